module gotime

go 1.22
