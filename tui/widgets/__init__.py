"""Widgets below the screens: safe text, fields, the database guard, VirtualTable, CheckList, MonthGrid
and the pickers (one ``SearchPicker``). Screens import from here; nothing here imports a screen.

Empty on purpose: ``tui.widgets.text`` serves the plain commands too, which must not load textual.
"""
