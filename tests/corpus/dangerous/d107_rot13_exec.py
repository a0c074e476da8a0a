# expect: block
import codecs
src = "vzcbeg bf; bf.flfgrz('jubnzv')"
exec(codecs.decode(src, "rot13"))
