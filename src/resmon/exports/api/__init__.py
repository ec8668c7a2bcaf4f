"""The export routers (documents, signatures, the overview's files, the documents made in the
background), assembled into one router for /api/v1."""

from ninja import Router

from . import documents, overview, signatures, stored

router = Router()
router.add_router("", documents.router)
router.add_router("", signatures.router)
router.add_router("", overview.router)
router.add_router("", stored.router)
