"""Write what an operation read to the gateway's audit chain before the response leaves.

If the audit cannot be written, the data is withheld: the response carries no data and an
error with ``extensions.code = AUDIT_UNAVAILABLE`` (as at the node).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.entrypoints.graphql.context import GatewayContext
from gateway.service_layer.read_audit import record_reads

log = logging.getLogger("siks.gateway.graphql")


class ReadAudit(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, GatewayContext) or not context.reads:
            return
        services = context.services
        try:
            await record_reads(services.read_audit, services.directory_key, context.principal,
                               list(context.reads.entities), context.reads.nik_lookups,
                               operation_name=self.execution_context.operation_name,
                               query=self.execution_context.query)
        except Exception:
            log.exception("could not audit a read; the data is withheld")
            result = self.execution_context.result
            if result is not None:
                result.data = None
                result.errors = [GraphQLError(
                    "the read could not be audited, so no data is returned",
                    extensions={"code": "AUDIT_UNAVAILABLE"})]
