"""The 校车 sheet: two forms of FORMS.md on one column grid, so each reads at 100 % on A4 landscape.
A column holds a route field in the first table and a rider field in the others, paired by width."""
from __future__ import annotations

from models import bus
from models.handbook import Scope
from tui.export.cells import Formats
from tui.export.layout import head, page_setup, set_widths
from tui.export.measure import row_height
from tui.export.streaming import add_sheet
from tui.export.table import Form

BUS_WIDTHS = (4.5, 14, 22, 11, 6, 6, 11, 13, 20, 10)
BUS_ROUTE_COLS = (("序号", "int"), ("路线名称", "wrap"), ("方向/站点", "wrap"), ("校车牌号", "code"), ("核载人数", "int"),
                  ("乘车人数", "int"), ("驾驶员姓名", "center"), ("联系电话", "code"), ("驾驶证号码", "code"),
                  ("准驾车型", "center"))
BUS_RIDER_COLS = (("序号", "int"), ("姓名", "center"), ("家庭住址", "wrap"), ("班级", "center"), ("性别", "center"),
                  ("年龄", "int"), ("出生日期", "date"), ("监护人", "wrap"), ("监护人电话", "code"), ("留守类型", "wrap"))
BUS_SIGN = "填表人: __________    审核人: __________    填表日期: ______年____月____日"


def write_bus_sheet(wb, scope: Scope, fmt: Formats, *, mask: bool) -> int:
    """The 校车 sheet: the 校车及驾驶员信息登记表 (every route of the school, its riders counted in the
    handbook's class or school), then the 乘车学生基本信息登记表 of each route that has riders there.
    Rows in order (constant_memory). The driver's phone is the school's contact for the bus and is
    printed whole; 驾驶证号码 (the driver's 身份证号) and the guardians' phones are masked unless
    ``mask`` is off. The database has no 上车地点, so the form has no such column. Returns the riders."""
    ws = add_sheet(wb, "校车")
    widths = BUS_WIDTHS
    set_widths(ws, widths)
    head(ws, scope, "校车及乘车学生登记表", list(widths), fmt)
    page_setup(ws, widths=list(widths), landscape=True, header_row=None)
    routes = bus.list_routes(viewer=scope.viewer, school_id=scope.school_id, classroom_id=scope.classroom_id,
                             on=scope.as_of)
    riders = bus.rider_rows(viewer=scope.viewer, school_id=scope.school_id, classroom_id=scope.classroom_id,
                            on=scope.as_of, mask=mask)
    form = Form(ws, widths, fmt)

    def merged(text: str, style, height: float | None = None) -> None:
        form.merged(text, style, height or max(22, row_height([(text, sum(widths))]) or 0))

    def header(cols) -> None:
        form.header((label for label, _ in cols), min_height=20)

    merged("一、校车及驾驶员信息登记表", fmt.section)
    header(BUS_ROUTE_COLS)
    for n, route in enumerate(routes, 1):
        licence = bus.masked_license(route.driver_license) if mask else route.driver_license
        form.line([(n, "int"), (route.name, "wrap"), (route.direction, "wrap"), (route.plate, "code"),
                   (route.capacity, "int"), (route.riders, "int"), (route.driver, "center"),
                   (route.driver_phone, "code"), (licence, "code"), (route.license_class, "center")])
    if not routes:
        form.merged("本校没有登记校车路线", fmt.empty)
    form.skip()
    merged("二、乘车学生基本信息登记表" + (f" ({scope.class_name})" if scope.class_name else ""), fmt.section)
    by_route: dict[int, list] = {}
    for k in riders:
        by_route.setdefault(k.route_id, []).append(k)
    for route in routes:
        mine = by_route.get(route.id)
        if not mine:
            continue
        seats = f"核载 {route.capacity} 人" if route.capacity is not None else "核载人数未填"
        merged("    ".join(x for x in (route.name, f"校车牌号: {route.plate}", f"驾驶员: {route.driver or '未填'}",
                                       seats, f"乘车 {len(mine)} 人") if x), fmt.scope)
        header(BUS_RIDER_COLS)
        for n, k in enumerate(mine, 1):
            form.line([(n, "int"), (k.name, "center"), (k.address, "wrap"), (k.class_name, "center"),
                       (k.sex, "center"), (k.age, "int"), (k.birth_date, "date"), (k.guardian, "wrap"),
                       (k.guardian_phone, "code"), (k.left_behind_type or "非留守", "wrap")])
        form.skip()
    if not riders:
        form.merged("没有在读学生乘坐校车", fmt.empty)
        form.skip()
    merged(BUS_SIGN, fmt.sign, 30)
    return len(riders)
