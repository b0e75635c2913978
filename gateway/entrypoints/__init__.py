"""How the gateway meets the world: the aiohttp app, the GraphQL schema, ``siks gateway``."""
