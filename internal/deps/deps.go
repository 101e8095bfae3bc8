package deps

import (
	_ "github.com/alicebob/miniredis/v2"
	_ "github.com/casbin/casbin/v2"
	_ "github.com/gofiber/fiber/v2"
	_ "github.com/hibiken/asynq"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/stretchr/testify/require"
	_ "github.com/uptrace/bun"
	_ "github.com/uptrace/bun/dialect/pgdialect"
	_ "github.com/uptrace/bun/dialect/sqlitedialect"
	_ "github.com/uptrace/bun/driver/sqliteshim"
	_ "github.com/uptrace/bun/migrate"
	_ "golang.org/x/crypto/bcrypt"
	_ "github.com/oklog/ulid/v2"
)
