// Entry: one Model on the daemon's WebSocket, rendered by Preact.
import './zod-jitless.ts'; // first: before any zod schema is made or used
import { render } from 'preact';
import { App } from './app.tsx';
import { Model, serverUrl } from './model.ts';
import { ModelContext } from './use-model.ts';
import './styles.css';
import './items.css';

const model = new Model(serverUrl(location));
void model.start();

render(
  <ModelContext.Provider value={model}>
    <App />
  </ModelContext.Provider>,
  document.getElementById('app')!,
);
