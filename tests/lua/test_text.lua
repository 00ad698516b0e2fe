-- test_text.lua - nianbao.text_utf8, how lint reads a published report's text: UTF-8 as it
-- is, GB18030 converted, anything else refused with what it is.
local tap = require "tap"
local is = tap.is

is({ nianbao.text_utf8("表一 2020") }, { "表一 2020", "UTF-8" }, "text_utf8: UTF-8 as it is")
is({ nianbao.text_utf8("\177\237\210\187") }, { "表一", "GB18030" }, "text_utf8: GB18030 converted")
-- UTF-16 (Notepad's "Unicode") was "not UTF-8 or GB18030 text (byte 1: 0xFF)"
is({ nianbao.text_utf8("\255\254\104\136\0\78") }, { nil, "UTF-16 text (Notepad's \"Unicode\"): save it as UTF-8" },
   "text_utf8: UTF-16 with its mark, said what it is")
is({ nianbao.text_utf8("\254\255\136\104\78\0") }, { nil, "UTF-16 text (Notepad's \"Unicode\"): save it as UTF-8" },
   "text_utf8: big-endian UTF-16 too")
is({ nianbao.text_utf8("ab\255\255") }, { nil, "not UTF-8 or GB18030 text (byte 3: 0xFF)" },
   "text_utf8: other bytes: where")
return tap.done()
