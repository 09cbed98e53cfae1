// Markdown to HTML for model output, safe by construction: raw HTML is
// escaped (html: false), links carry their URL in `data-href` (no `href`, so
// nothing navigates; the webview asks the host, which asks the user), remote
// images become links (only data: images are shown), and code blocks get a
// wrapper with the language and action buttons. Pure: no DOM.
import MarkdownIt from 'markdown-it';
import { escapeHtml, highlight, knownLanguage } from './highlight';

export type Markdown = InstanceType<typeof MarkdownIt>;
type Token = MarkdownIt.Token;

/** The buttons every code block carries; the webview wires them by `data-action`. */
export const CODE_ACTIONS = [
  { action: 'copy', title: 'Copy', icon: 'copy' },
  { action: 'insert', title: 'Insert at Cursor', icon: 'insert' },
  { action: 'newFile', title: 'Open in New File', icon: 'new-file' },
] as const;

const DATA_IMAGE = /^data:image\/(png|jpe?g|gif|webp);base64,[a-z0-9+/=\s]*$/i;

/** The language word of a fence's info string, limited to safe characters. */
export function fenceLanguage(info: string): string {
  const word = info.trim().split(/\s+/)[0] ?? '';
  return word
    .replace(/[^\w#+.-]/g, '')
    .slice(0, 32)
    .toLowerCase();
}

/**
 * A code block: header with language and buttons, then the highlighted code
 * (`highlighted`: HTML already made from `code`, e.g. from cached pieces).
 */
export function codeBlockHtml(code: string, lang: string, highlighted?: string): string {
  const label = lang || 'text';
  const buttons = CODE_ACTIONS.map(
    (a) =>
      `<button type="button" class="code-action" data-action="${a.action}" title="${a.title}" aria-label="${a.title}"><span class="codicon codicon-${a.icon}"></span></button>`,
  ).join('');
  const cls = knownLanguage(lang) ? ` class="hljs language-${escapeHtml(lang)}"` : ' class="hljs"';
  return (
    `<div class="code-block" data-lang="${escapeHtml(lang)}">` +
    `<div class="code-header"><span class="code-lang">${escapeHtml(label)}</span><span class="code-actions">${buttons}</span></div>` +
    `<pre><code${cls}>${highlighted ?? highlight(code, lang)}</code></pre></div>\n`
  );
}

function linkAttrs(url: string): string {
  const safe = escapeHtml(url);
  return `class="md-link" data-href="${safe}" title="${safe}" role="link" tabindex="0"`;
}

/** A markdown-it instance configured for model output. */
export function createMarkdown(): Markdown {
  const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
  // Only explicit URLs (http://, https://, www.): "main.py" must not become a link to Paraguay.
  md.linkify.set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });
  const rules = md.renderer.rules;

  rules.fence = (tokens: Token[], idx: number) => {
    const token = tokens[idx];
    return codeBlockHtml(token.content, fenceLanguage(token.info));
  };
  rules.code_block = (tokens: Token[], idx: number) => codeBlockHtml(tokens[idx].content, '');

  rules.link_open = (tokens: Token[], idx: number) => {
    // The normalized (percent-encoded) URL markdown-it validated; the host parses it again.
    return `<a ${linkAttrs(String(tokens[idx].attrGet('href') ?? ''))}>`;
  };
  rules.link_close = () => '</a>';

  rules.image = (tokens: Token[], idx: number, options, env, self) => {
    const token = tokens[idx];
    const src = String(token.attrGet('src') ?? '');
    const alt = self.renderInlineAsText(token.children ?? [], options, env);
    if (DATA_IMAGE.test(src)) return `<img src="${escapeHtml(src)}" alt="${escapeHtml(alt)}">`;
    // Never load a remote image (it would tell a third party what is on screen).
    return `<a ${linkAttrs(src)} data-image="true">${escapeHtml(alt ? `🖼 ${alt}` : src)}</a>`;
  };
  return md;
}

let shared: Markdown | undefined;

/** The module's shared instance (creating one registers nothing global, but costs a little). */
export function markdown(): Markdown {
  shared ??= createMarkdown();
  return shared;
}

/** A whole, finished message as HTML. */
export function renderMarkdown(text: string): string {
  return markdown().render(text);
}
