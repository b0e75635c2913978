"""The node's GraphQL API: strawberry types kept apart from the database models."""
