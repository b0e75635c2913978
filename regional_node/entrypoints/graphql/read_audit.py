"""Write what an operation read to the audit chain before its response leaves the node.

If the audit cannot be written, the data is withheld: the response carries no data and an
error with ``extensions.code = AUDIT_UNAVAILABLE``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.service_layer.read_audit import record_reads

log = logging.getLogger("siks.node.graphql")


class ReadAudit(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, NodeContext) or not context.reads:
            return
        try:
            await record_reads(context.database, context.principal,
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
