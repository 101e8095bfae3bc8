package cluster

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Owner returns the process among procs with the loopback TCP connection
// whose local end is addr (the remote address a server saw), or nil. It
// reads Linux's /proc: the connection's socket inode in /proc/net/tcp,
// then the process holding that inode among its open files. It tells
// exactly which replica is in the middle of a request the test holds.
func Owner(addr string, procs []*Proc) (*Proc, error) {
	inode, err := socketInode(addr)
	if err != nil || inode == "" {
		return nil, err
	}
	want := "socket:[" + inode + "]"
	for _, p := range procs {
		if p.Exited() {
			continue
		}
		fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", p.PID()))
		for _, fd := range fds {
			if link, err := os.Readlink(fd); err == nil && link == want {
				return p, nil
			}
		}
	}
	return nil, nil
}

// socketInode finds the inode of the IPv4 TCP socket whose local address
// is addr ("" when there is none, say because it just closed).
func socketInode(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	ip := net.ParseIP(host).To4()
	if ip == nil {
		return "", fmt.Errorf("cluster: %s is not an IPv4 address", addr)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "", err
	}
	// /proc/net/tcp writes addresses as the 32-bit word in host (little
	// endian) order, then the port: 127.0.0.1:8080 is 0100007F:1F90.
	local := fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], p)
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		fields := strings.Fields(sc.Text())
		if len(fields) > 9 && fields[1] == local {
			return fields[9], nil
		}
	}
	return "", sc.Err()
}
