"""The planning routers, one module per area, assembled into one router for /api/v1."""

from ninja import Router

from . import band_rule, coordination, excel, kpis, programs, schedule, tasks, tree

router = Router()
router.add_router("", tasks.router)
router.add_router("", kpis.router)
router.add_router("", tree.router)
router.add_router("", programs.router)
router.add_router("", excel.router)
router.add_router("", schedule.router)
router.add_router("", band_rule.router)
router.add_router("", coordination.router)
