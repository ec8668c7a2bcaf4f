"""The reporting routers, one module per area, assembled into one router for /api/v1."""

from ninja import Router

from . import completeness, evidence, explanations, proposals, reports

router = Router()
router.add_router("", reports.router)
router.add_router("", evidence.router)
router.add_router("", proposals.router)
router.add_router("", explanations.router)
router.add_router("", completeness.router)
