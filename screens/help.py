"""帮助: every key of the app on one page."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.guard import DatabaseGuard

HELP = """关爱 · 按键说明

全局 (没有在输入文字时)
  0 待办    1 名册    2 结对    3 谈心    4 行事历    5 手册
  ?  本帮助      q  退出      ctrl+p  命令面板      ctrl+q  随时退出

列表中
  /      搜索: 拼音首字母 (zxm 找到 张小明)、全拼、汉字、学籍号、电话号码
  回车   打开所选的孩子 (在搜索框中回车: 跳到第一个结果)
  t 为所选孩子记录谈心    n 新建    e 修改    f 筛选    s 换排序    a 全部学生/只看留守
  i 导入名册 (.xlsx 或 .csv): 回车改列的对应  d 试导入  ctrl+s 导入
  esc    清除搜索 / 返回
  ↑ ↓ PgUp PgDn Home End  移动

孩子档案 (在列表中回车)
  e 修改   t 记录谈心   u 显示完整号码/重新遮盖 (管理员、校长、本班班主任; 记入审计日志)
  c 登记监护人同意   w 撤回同意   g 归档已离校的孩子 (不再出现在名单中)

记录谈心 (t)
  直接输入内容, ctrl+s 保存
  F2 类别   F3 情绪   F4-F8 关注: 学业 心理 安全 健康 生活   F9 接通/未接通
  ctrl+g 添加同组的孩子   F10 修改记录 (已有的记录)
  输入的内容每秒自动存为草稿; 断线后再按 t 打开同一个孩子即可恢复

待办 (0)
  m 我的孩子/全校   k 按类别   t 记录   回车 打开档案

结对 (2)
  k 换结对类型   a 结对   s 采用建议   S 全部采用建议   m 换帮扶人   d 结束结对
  回车 结对计划和记录   t 谈心   l 最多帮扶人数   / 找孩子或帮扶人   tab 换列表

行事历 (4)
  方向键 换日   PgUp/PgDn 换月   Home 今天   回车 当天安排
  n 新活动   e 修改   d 删除   a 参与的孩子   g 生成学期行事历

手册 (5)
  m 月份   c 班级或全校   o 保存到   ctrl+s 导出工作手册 (.xlsx, 身份证号和电话已遮盖)

表单中
  tab / shift+tab  下一项 / 上一项
  ctrl+s  保存      esc  取消 (有修改时会先询问)
  保存时若别人在你打开之后也改了这份档案或记录, 会列出两个版本:
  m 保留我的修改 (对方改的其他内容保留)   t 采用对方的版本   esc 返回编辑
  别人新增或修改的内容, 名册、谈心、待办等列表在一两秒内自动显示

管理员 (ctrl+p 命令面板)
  教职工账号: n 新增   d 停用   p 重置 PIN (也解除锁定)
  审计日志: / 填起始日期、登录名、表或关键词后回车   回车 看详情

标记: 困 = 特困   长 = 特长   残 = 残障   重 = 重点帮扶对象
身份证号和电话在各个页面都只显示一部分 (51***************X, 138****5678);
看完整号码请在档案中按 u, 或打开修改表单 (两者都记入审计日志)。
能看到哪些孩子: 管理员和校长全校, 班主任本班和自己结对的孩子, 任课教师、
心理咨询室教师和爱心妈妈自己结对的孩子。心理辅导的内容只有心理咨询室教师
和记录人能看到。

按 esc 或 ? 关闭本页"""


class HelpScreen(DatabaseGuard, ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "关闭"),
        Binding("question_mark", "close", "关闭", show=False),
        Binding("q", "close", "关闭", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(HELP, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
