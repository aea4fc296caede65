# Python 2 file that fails to parse as Python 3
print "hello"
exec "x = 1"
