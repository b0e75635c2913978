"""Pure domain rules of the regional node: imports no infrastructure."""
