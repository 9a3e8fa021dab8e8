// Entry of the dashboard webview bundle (dist/webview.js + dist/webview.css).
import { mount } from 'svelte';
// @vscode-elements, per component: only what the dashboard uses.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import App from './App.svelte';
import { watchTheme } from './lib/theme.svelte';
import './app.css';

watchTheme();
mount(App, { target: document.getElementById('app')! });
