"""The export routers (documents, signatures), assembled into one router for /api/v1."""

from ninja import Router

from . import documents, signatures

router = Router()
router.add_router("", documents.router)
router.add_router("", signatures.router)
