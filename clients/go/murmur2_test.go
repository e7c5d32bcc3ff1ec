package ferry

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestMurmur2Vectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "test", "murmur2-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Key     string `json:"key"`
			Murmur2 int32  `json:"murmur2"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors in murmur2-vectors.json")
	}
	for _, v := range file.Vectors {
		t.Run(v.Key, func(t *testing.T) {
			if got := Murmur2([]byte(v.Key)); got != v.Murmur2 {
				t.Errorf("Murmur2(%q) = %d, want %d", v.Key, got, v.Murmur2)
			}
		})
	}
}

func TestKeyPartitionIsNonNegative(t *testing.T) {
	for _, key := range []string{"21", "foobar", "abc", "k0", "k1", "k2", "k3", "k4", "poison"} {
		p := KeyPartition([]byte(key), 7)
		if p < 0 || p >= 7 {
			t.Errorf("KeyPartition(%q, 7) = %d, out of range", key, p)
		}
	}
}
