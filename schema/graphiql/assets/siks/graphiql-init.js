// SIKS-NG: starts GraphiQL from the locally served bundles (schema/graphiql/__init__.py).
// Adapted from strawberry-graphql's static/graphiql.html (MIT); kept in a file, not inline,
// so the page's Content-Security-Policy can forbid inline scripts.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("graphiql-config").textContent);

  var EXAMPLE_QUERY =
    "# Welcome to SIKS-NG GraphiQL\n" +
    "#\n" +
    "# Type queries into this side of the screen; the editor completes field names\n" +
    "# and shows errors as you type. The Docs and Explorer buttons on the left\n" +
    "# browse the schema.\n" +
    "#\n" +
    "# Keyboard shortcuts:\n" +
    "#\n" +
    "#       Run Query:  Ctrl-Enter (or press the play button)\n" +
    "#\n" +
    "#   Auto Complete:  Ctrl-Space (or just start typing)\n" +
    "#\n";

  // Query and variables live in the URL (?q=...&variables=...) so a link can be shared.
  // Headers are deliberately not put there: they usually carry credentials.
  var parameters = {};
  window.location.search.slice(1).split("&").forEach(function (entry) {
    var eq = entry.indexOf("=");
    if (eq >= 0) {
      parameters[decodeURIComponent(entry.slice(0, eq))] =
        decodeURIComponent(entry.slice(eq + 1).replace(/\+/g, " "));
    }
  });

  function updateURL(data) {
    Object.assign(parameters, data);
    var search = Object.keys(parameters)
      .filter(function (key) { return Boolean(parameters[key]); })
      .map(function (key) {
        return encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]);
      })
      .join("&");
    history.replaceState(null, "", "?" + search);
  }

  var fetchURL = new URL(config.graphqlPath, window.location.href);
  fetchURL.search = "";
  fetchURL.hash = "";
  var subscriptionURL = new URL(fetchURL.toString());
  subscriptionURL.protocol = fetchURL.protocol === "https:" ? "wss:" : "ws:";

  var fetcher = GraphiQL.createFetcher({
    url: fetchURL.toString(),
    subscriptionUrl: subscriptionURL.toString(),
  });

  function GraphiQLWithExplorer() {
    var queryState = React.useState(parameters.q || EXAMPLE_QUERY);
    var variablesState = React.useState(parameters.variables);
    var headersState = React.useState(undefined);
    var explorerPlugin = React.useMemo(function () {
      return GraphiQLPluginExplorer.explorerPlugin();
    }, []);

    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      plugins: [explorerPlugin],
      query: queryState[0],
      variables: variablesState[0],
      headers: headersState[0],
      onEditQuery: function (value) {
        queryState[1](value);
        updateURL({ q: value });
      },
      onEditVariables: function (value) {
        variablesState[1](value);
        updateURL({ variables: value });
      },
      onEditHeaders: function (value) { headersState[1](value); },
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql"))
    .render(React.createElement(GraphiQLWithExplorer));
})();
