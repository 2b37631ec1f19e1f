"""帮助: every key of the app on one page."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.chrome import SectionKeys
from tui.widgets.guard import DatabaseGuard

HELP = """关爱 · 按键说明 (上下键翻看, esc 或 ? 关闭)

全局 (没有在输入文字时)
  0 待办    1 名册    2 结对    3 谈心    4 行事历    5 手册
  (数字键总是回到该页的列表; 未保存的表单会先提醒)
  ?  本帮助      q  退出      ctrl+q  随时退出
  ctrl+p  命令面板: 输入拼音首字母找页面和操作 (xjtx 新记谈心, dc 导出)
  每页第一行: 当前页面、学校、登录的人和角色; 第二行: 各页的数字键
  底行: 本页最常用的键; 其余的键在本页列出

名册 (1)
  /      搜索: 拼音首字母 (zxm 找到 张小明)、全拼、汉字、学籍号、电话
  回车   打开所选的孩子 (在搜索框中回车: 跳到第一个结果)
  t 为所选孩子记录谈心    n 新建    e 修改    f 筛选
  s 换排序    a 全部学生/只看留守    esc 清除搜索
  x 登记缺课, 再按 1 病假 2 事假 3 无故缺课 4 其他 0 出勤 (d 先改日期)
  X 全班考勤: 空格 缺课/出勤, 数字选原因
  i 导入名册 (.xlsx 或 .csv): 回车改列的对应  d 试导入  ctrl+s 导入
  ↑ ↓ PgUp PgDn Home End  移动

孩子档案 (在名册中回车)
  e 修改   t 记录谈心   c 登记监护人同意   w 撤回同意
  b 强制报告   j 监护干预 (监护类型无人监护或监护情况差时:
    告知村儿童主任、记下监护人的回应, 7天后复查)
  r 选强制报告或监护干预 (只列出你能看的): 回车 打开
    (监护干预: 登记复查情况)
  u 显示完整号码/重新遮盖 (管理员、校长、本班班主任; 记入审计日志)
  g 归档已离校的孩子 (不再出现在名单中)   esc 返回

记录谈心 (t)
  直接输入内容, ctrl+s 保存
  F2 类别 (ctrl+l 类别表, 按数字选)   F3 或 ctrl+r 情绪
  F4-F8 关注: 学业 心理 安全 健康 生活 (ctrl+n 关注表)
  F9 或 ctrl+t 接通/未接通   F10 或 ctrl+o 修改记录 (已有的记录)
  ctrl+g 添加同组的孩子 (有伤害迹象时逐个问是否填写强制报告)
  ctrl+b 强制报告: 先保存这次记录, 再勾选发现的情形、填写报告单
  勾选了安全或内容提到伤害 (打、淤青、不敢回家 …) 时,
    保存后会问是否填写强制报告
  输入的内容每秒自动存为草稿; 断线后再按 t 打开同一个孩子即可恢复

谈心记录 (3)
  / 按孩子搜索 (拼音首字母、全拼或汉字)   esc 清除搜索
  回车 打开所选记录 (可修改)   t 为这个孩子再记一次   n 新记录 (先选孩子)
  f 筛选: 班级、类别、教师、情绪、日期范围 (ctrl+s 确定)
  b 从所选记录填写强制报告

待办 (0)
  t 记录   回车 打开档案   m 我的孩子/全校   k 按类别   r 近7天的提醒
  g 需要关注 (班主任、心理咨询室教师、校长): 有预警信号的孩子和原因
    c 确认关注 (红/黄, 复查日期)   d 排除 (写理由)   回车 档案
    x 导出本月的预警与干预记录表   esc 返回
  过了午夜或别人记录后, 列表自动更新

结对 (2)
  k 换结对类型   a 结对   s 采用建议   S 全部采用建议
  m 换帮扶人   d 结束结对   回车 结对计划和记录   t 谈心
  l 最多帮扶人数   / 找孩子或帮扶人   tab 换列表

行事历 (4)
  方向键 换日   PgUp/PgDn 换月   Home 今天   回车 当天安排
  n 新活动   e 修改   d 删除   a 参与的孩子   g 生成学期行事历

手册 (5)
  m 月份   c 班级或全校 (输入数字查找: 32 = 三年级2班)   o 保存到
  ctrl+s 导出工作手册 (.xlsx, 身份证号和电话已遮盖; 回车不会导出)

表单中
  tab / shift+tab  下一项 / 上一项
  ctrl+s  保存      esc  取消 (有修改时会先询问)
  保存时若别人在你打开之后也改了这份档案或记录, 会列出两个版本:
  m 保留我的修改 (对方改的其他内容保留)   t 采用对方的版本   esc 返回编辑
  别人新增或修改的内容, 名册、谈心、待办等列表在一两秒内自动显示

强制报告 (! 或 ctrl+p 强制报告; 报告人、校长、心理咨询室教师可见)
  发现或怀疑孩子受到侵害, 立即报告: 事实和判断分开写
  F2 情形   F3 报告途径 (已向公安报告: 报警时间、接警单位、回执号;
    或已报告校长, 由学校报告)   F4 结案
  回车 打开报告单   c 校长确认 (先问, 按 y 才确认: 由学校接手)
  p 打印报告单   l 本学期登记台账 (.xlsx)
  未确认的报告: 校长和管理员每页顶部有红色提示, 次日列入校长的待办

控辍保学 (ctrl+p 控辍保学; 待办里 缺课核实、劝返家访 按 t)
  连续缺课超过 3 个上学日 (周末、节假日不算): 列为辍学风险
  回车 打开案例   a 登记劝返 (F2 方式, F3 有效/无效, 村干部)   v 核实
  r 返校销号   c 校长确认辍学   p 打印书面报告 (劝返无效 3 次后)

管理员 (ctrl+p 命令面板)
  教职工账号: n 新增   d 停用   p 重置 PIN (也解除锁定)
  审计日志: / 填起始日期、登录名、表或关键词后回车   回车 看详情
  校车路线: n 新增   e 或回车 修改   d 删除 (还有在读学生乘坐时不能删除)

标记: 困 = 特困   长 = 特长   残 = 残障   重 = 重点帮扶对象
身份证号和电话在各个页面都只显示一部分 (51***************X, 138****5678);
看完整号码请在档案中按 u, 或打开修改表单 (两者都记入审计日志)。
能看到哪些孩子: 管理员和校长全校, 班主任本班和自己结对的孩子, 任课教师、
心理咨询室教师和爱心妈妈自己结对的孩子。心理辅导的内容只有心理咨询室教师
和记录人能看到。

按 esc 或 ? 关闭本页"""


class HelpScreen(SectionKeys, DatabaseGuard, ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "关闭"),
        Binding("question_mark", "close", "关闭", show=False),
        Binding("q", "close", "关闭", show=False),
        *SectionKeys.SECTION_BINDINGS,
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(HELP, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
