// The servers' part of the Hearth status bar item: the chat model, each
// server's health, and the server entries of the Hearth menu. With no server
// at all Hearth is simply "off" (nothing is wrong: there is nothing to use
// yet), not a warning.
import type { Registry } from '../core/servers/registry';
import { describeProbedPorts } from '../core/servers/kinds';
import { overallState } from '../core/servers/modelList';
import type { StatusContribution } from '../statusBar';
import type { ModelChoice } from './modelChoice';

export function serversStatus(registry: Registry, choice: ModelChoice): StatusContribution {
  return {
    order: 0,
    menu: [
      { label: '$(comment-discussion) Select Chat Model', command: 'hearth.selectChatModel', order: 10 },
      { label: '$(sparkle) Select Completion Model', command: 'hearth.selectCompletionModel', order: 20 },
      { label: '$(wand) Select Task Model', command: 'hearth.selectTaskModel', order: 30 },
      { label: '$(refresh) Refresh Servers', command: 'hearth.refreshServers', order: 40 },
      { label: '$(add) Add Server…', command: 'hearth.addServer', order: 50 },
      { label: '$(key) Set API Key…', command: 'hearth.setApiKey', order: 60 },
    ],
    render() {
      const ref = choice.get('completion');
      const chat = choice.get('chat');
      const statuses = registry.statuses();
      // The completion model's server decides the icon; without one, the worst of all servers.
      const status = ref ? registry.status(ref.server) : undefined;
      const state = status
        ? status.state === 'ok'
          ? 'ok'
          : status.state === 'unknown'
            ? 'checking'
            : status.state
        : overallState(statuses);
      const task = choice.get('task');
      const tooltip = [
        `Chat model: ${chat ? `${chat.model} (${chat.server})` : 'the first model found'}`,
        `Task model: ${task ? `${task.model} (${task.server})` : 'the chat model'}`,
      ];
      if (statuses.length === 0) {
        const searching = registry.isRefreshing();
        tooltip.push(
          searching
            ? 'Looking for model servers…'
            : registry.detecting
              ? `No model server found on this machine (looked for ${describeProbedPorts()}). Hearth looks again when this window gets focus; or add your server.`
              : 'No servers: add one in hearth.servers, or turn hearth.autoDetect on.',
        );
        return { label: searching ? undefined : 'off', busy: searching, tooltip };
      }
      for (const s of statuses) {
        const what = s.state === 'ok' ? `${s.models.length} model${s.models.length === 1 ? '' : 's'}` : (s.error?.message ?? s.state);
        tooltip.push(`${s.server.name}: ${what}`);
      }
      return {
        busy: state === 'checking' || state === 'loading',
        warning: state === 'error',
        highlight: state === 'error',
        tooltip,
      };
    },
  };
}
