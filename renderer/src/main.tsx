import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './api/connect.js';
import { App } from './App.js';
import { NoToken, Unauthorized } from './Gate.js';
import { StoreContext, useFerry } from './state/context.js';
import { FerryStore } from './state/store.js';
import { applyTheme, readTheme } from './theme.js';
import './styles.css';

applyTheme(readTheme());

// A new admin link opened in this tab changes only the fragment: start over with its token.
window.addEventListener('hashchange', () => {
  if (/^#\/?token=|&token=/.test(window.location.hash)) window.location.reload();
});

const root = createRoot(document.getElementById('root') as HTMLElement);
const connection = connect();

if (connection.kind === 'no-token') {
  root.render(
    <StrictMode>
      <NoToken reason={connection.reason} />
    </StrictMode>,
  );
} else {
  const store = new FerryStore(connection.client);
  store.start();
  root.render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <Root />
      </StoreContext.Provider>
    </StrictMode>,
  );
}

function Root() {
  const state = useFerry();
  if (state.stream.state === 'closed' && state.stream.error.code === 'unauthorized') return <Unauthorized />;
  return <App />;
}
