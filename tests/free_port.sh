# Prints a loopback TCP port nobody listens on, below the kernel's ephemeral range (the ports
# outgoing connections are given), so that another test's client socket cannot take it between
# this check and the bind. bash's /dev/tcp: no python needed on a bare machine.
low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ "$low" -gt 12000 ] 2>/dev/null || low=32768
for _ in $(seq 1 100); do
  port=$((10000 + RANDOM % (low - 10000)))
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; exit 0; }
done
echo "free_port.sh: no free loopback port found in 100 tries" >&2
exit 1
