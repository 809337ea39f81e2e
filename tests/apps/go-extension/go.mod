module example.com/goext

go 1.19
