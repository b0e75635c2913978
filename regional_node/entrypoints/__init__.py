"""How the outside world reaches the node: HTTP (GraphQL) and the command line."""
