// Entry of the chat webview bundle (dist/webview/webview.js, webview.css).
import '@vscode/codicons/dist/codicon.css';
import './chat.css';
import { App } from './app';

const root = document.getElementById('app');
if (root) new App(root);
