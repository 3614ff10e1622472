module gotriage.test/fixtures

go 1.21
