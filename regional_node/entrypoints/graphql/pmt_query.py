"""``pmtModel``: the PMT model that scores this node's households (docs/pmt.md)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.service_layer.pmt import active_model


@strawberry.type(description="A proxy means test model: versioned coefficients (docs/pmt.md)")
class PmtModel:
    version: str
    description: str
    own_coefficients: list[str] = strawberry.field(
        description="Provinces and kab/kota with coefficients of their own; the others use "
                    "the model's default")


@strawberry.type
class PmtQuery:
    @strawberry.field(description="The active PMT model: the newest loaded with `siks node pmt "
                                  "load`, else the illustrative default shipped with SIKS-NG")
    async def pmt_model(self, info: Info[NodeContext, None]) -> PmtModel | None:
        async with info.context.database.reader() as session:
            model = await active_model(session)
        return PmtModel(version=model.version, description=model.description,
                        own_coefficients=sorted(model.regions))
