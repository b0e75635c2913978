"""The web app's aiohttp glue shared by the node and the gateway (docs/web.md)."""
