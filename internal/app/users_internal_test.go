package app

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPasswordHash(t *testing.T) {
	h := hashPassword("correct horse battery")
	require.True(t, checkPassword(h, "correct horse battery"))
	require.False(t, checkPassword(h, "correct horse batterY"))
	require.NotEqual(t, h, hashPassword("correct horse battery"), "a new salt each time")
	for _, bad := range []string{"", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaA"} {
		require.False(t, checkPassword(bad, "x"), bad)
	}
}
