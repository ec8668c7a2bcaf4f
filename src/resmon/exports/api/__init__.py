"""The export routers (documents, signatures, the overview's files), assembled into one router
for /api/v1."""

from ninja import Router

from . import documents, overview, signatures

router = Router()
router.add_router("", documents.router)
router.add_router("", signatures.router)
router.add_router("", overview.router)
