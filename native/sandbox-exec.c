/*
 * yoke-sandbox-exec: runs a command inside Yoke's bubblewrap sandbox, after bwrap has built the
 * namespaces and mounts, with what mounts cannot express:
 *
 *   --nproc N --data BYTES --fsize BYTES   RLIMIT_NPROC, RLIMIT_DATA and RLIMIT_FSIZE (soft and
 *                                          hard) for the command and everything it starts.
 *   --sockets                              a seccomp filter: every connect() is decided here.
 *   --net-off                              …and socket() of families other than unix, inet,
 *                                          inet6 and netlink is refused (EAFNOSUPPORT).
 *   --allow-socket PATH                    a host unix socket the command may connect to.
 *
 * Why connect() needs a supervisor: a host socket (tmux, screen, docker, ssh-agent, a language
 * server) is reachable through the read-only view of the host, and a read-only mount does not
 * stop connect(). seccomp cannot read the address a pointer points to, so connect() returns
 * SECCOMP_RET_USER_NOTIF and this process decides: a unix socket is allowed if a process of
 * this sandbox holds it (it was bound inside) or the policy lists it; otherwise EACCES. The
 * decision is made on the socket file's inode, opened here with O_PATH, and the connection is
 * made here on the command's own socket (pidfd_getfd) through /proc/self/fd/N — so neither a
 * rewritten address nor a renamed file can change what was checked. Other families are
 * connected here too, with the address as read, so no connect() ever runs unchecked.
 *
 * The filter also refuses io_uring (its CONNECT op bypasses seccomp), new seccomp listeners (a
 * newer listener would take precedence over this one) and syscalls of foreign ABIs. This
 * process cannot be traced or read by the command (not dumpable); if it dies, every filtered
 * connect() fails (ENOSYS) and bwrap, whose child it is, takes the sandbox down with it.
 *
 * Exit status: the command's (a command killed by a signal kills this process the same way);
 * 126 when the sandbox could not be set up, 127 when the command was not found.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "yoke-sandbox-exec supports x86_64 and aarch64"
#endif

#define MAX_ALLOWED 64
#define MAX_REFUSAL_NOTES 5

static int listener = -1;
static int net_off = 0;
static struct {
  dev_t dev;
  ino_t ino;
} allowed[MAX_ALLOWED];
static int allowed_count = 0;
static int refusal_notes = 0;
static pthread_mutex_t note_lock = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *what) {
  fprintf(stderr, "yoke-sandbox: %s: %s\n", what, strerror(errno));
  _exit(126);
}

static void set_limit(int resource, const char *value) {
  char *end;
  unsigned long long n = strtoull(value, &end, 10);
  if (*end != '\0') {
    fprintf(stderr, "yoke-sandbox: bad limit %s\n", value);
    _exit(126);
  }
  struct rlimit rl = {.rlim_cur = n, .rlim_max = n};
  if (setrlimit(resource, &rl) != 0) die("setrlimit");
}

/* ---- the filter ---------------------------------------------------------------------------- */

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define IS(nr, yes, no) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), (yes), (no))
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))

static int install_filter(void) {
  struct sock_filter f[40];
  size_t n = 0;
#define PUT(...) (f[n++] = (struct sock_filter)__VA_ARGS__)
  PUT(LD(offsetof(struct seccomp_data, arch)));
  PUT(IS(NATIVE_ARCH, 1, 0));
  PUT(RET(SECCOMP_RET_ERRNO | ENOSYS));
  PUT(LD(offsetof(struct seccomp_data, nr)));
#if defined(__x86_64__)
  /* x32 syscalls carry bit 30 */
  PUT(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
  PUT(RET(SECCOMP_RET_ERRNO | ENOSYS));
#endif
  PUT(IS(__NR_connect, 0, 1));
  PUT(RET(SECCOMP_RET_USER_NOTIF));
  PUT(IS(__NR_io_uring_setup, 2, 0));
  PUT(IS(__NR_io_uring_enter, 1, 0));
  PUT(IS(__NR_io_uring_register, 0, 1));
  PUT(RET(SECCOMP_RET_ERRNO | ENOSYS));
  PUT(IS(__NR_seccomp, 0, 4));
  PUT(LD(ARG_LO(1)));
  PUT(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0, 1));
  PUT(RET(SECCOMP_RET_ERRNO | EPERM));
  PUT(LD(offsetof(struct seccomp_data, nr)));
  if (net_off) {
    /* socket() only for local families: the network namespace has nothing but lo */
    PUT(IS(__NR_socket, 0, 6));
    PUT(LD(ARG_LO(0)));
    PUT(IS(AF_UNIX, 4, 0));
    PUT(IS(AF_INET, 3, 0));
    PUT(IS(AF_INET6, 2, 0));
    PUT(IS(AF_NETLINK, 1, 0));
    PUT(RET(SECCOMP_RET_ERRNO | EAFNOSUPPORT));
  }
  PUT(RET(SECCOMP_RET_ALLOW));
#undef PUT
  struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("no_new_privs");
  unsigned long flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  int fd = (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (fd < 0 && errno == EINVAL) /* before Linux 5.19 */
    fd = (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                      &prog);
  if (fd < 0) die("seccomp user notification (Linux 5.6 or later is needed)");
  return fd;
}

/* ---- deciding one connect() ---------------------------------------------------------------- */

/* Is the socket with VFS inode (dev, ino), or the abstract `name`, held by a process here? */
static int held_inside(dev_t dev, ino_t ino, const char *name, size_t name_len) {
  int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (nl < 0) return 0;
  struct {
    struct nlmsghdr nh;
    struct unix_diag_req req;
  } msg = {
      .nh = {.nlmsg_len = sizeof msg,
             .nlmsg_type = SOCK_DIAG_BY_FAMILY,
             .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
      .req = {.sdiag_family = AF_UNIX,
              .udiag_states = 0xffffffff,
              .udiag_show = name ? UDIAG_SHOW_NAME : UDIAG_SHOW_VFS},
  };
  if (send(nl, &msg, sizeof msg, 0) < 0) {
    close(nl);
    return 0;
  }
  uint32_t matches[256];
  int n_matches = 0, done = 0;
  static __thread char buf[32768];
  while (!done) {
    ssize_t len = recv(nl, buf, sizeof buf, 0);
    if (len <= 0) break;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len);
         h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        done = 1;
        break;
      }
      struct unix_diag_msg *m = NLMSG_DATA(h);
      int rlen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
      for (struct rtattr *a = (struct rtattr *)(m + 1); RTA_OK(a, rlen); a = RTA_NEXT(a, rlen)) {
        int hit = 0;
        if (a->rta_type == UNIX_DIAG_VFS && !name) {
          struct unix_diag_vfs *v = RTA_DATA(a);
          /* the kernel's own dev_t encoding: major << 20 | minor */
          hit = v->udiag_vfs_ino == (uint32_t)ino && (v->udiag_vfs_dev >> 20) == major(dev) &&
                (v->udiag_vfs_dev & 0xfffff) == minor(dev);
        } else if (a->rta_type == UNIX_DIAG_NAME && name) {
          hit = (size_t)RTA_PAYLOAD(a) == name_len && memcmp(RTA_DATA(a), name, name_len) == 0;
        }
        if (hit && n_matches < 256) matches[n_matches++] = m->udiag_ino;
      }
    }
  }
  close(nl);
  if (n_matches == 0) return 0;
  /* Only the sandbox's processes are visible in /proc here (own pid namespace). */
  DIR *proc = opendir("/proc");
  if (!proc) return 0;
  int found = 0;
  pid_t self = getpid();
  struct dirent *p;
  while (!found && (p = readdir(proc))) {
    char *end;
    long pid = strtol(p->d_name, &end, 10);
    if (*end || pid <= 0 || pid == self) continue;
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/fd", pid);
    DIR *fds = opendir(path);
    if (!fds) continue;
    struct dirent *f;
    while (!found && (f = readdir(fds))) {
      char link[PATH_MAX], target[64];
      snprintf(link, sizeof link, "%s/%s", path, f->d_name);
      ssize_t n = readlink(link, target, sizeof target - 1);
      if (n <= 0) continue;
      target[n] = '\0';
      unsigned long sock_ino;
      if (sscanf(target, "socket:[%lu]", &sock_ino) != 1) continue;
      for (int i = 0; i < n_matches; i++)
        if (matches[i] == sock_ino) found = 1;
    }
    closedir(fds);
  }
  closedir(proc);
  return found;
}

static void note_refusal(const char *what) {
  pthread_mutex_lock(&note_lock);
  if (refusal_notes++ < MAX_REFUSAL_NOTES)
    fprintf(stderr,
            "yoke-sandbox: connect to %s refused: unix sockets outside the sandbox are closed "
            "(config: sandbox_workspace_write.allow_unix_sockets)\n",
            what);
  pthread_mutex_unlock(&note_lock);
}

/* Opens what the command's `path` names, resolved in its root and working directory. */
static int open_target(pid_t pid, const char *path) {
  char where[64];
  snprintf(where, sizeof where, path[0] == '/' ? "/proc/%d/root" : "/proc/%d/cwd", pid);
  int dir = open(where, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -1;
  struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                         .resolve = path[0] == '/' ? RESOLVE_IN_ROOT : 0};
  int fd = (int)syscall(SYS_openat2, dir, path, &how, sizeof how);
  if (fd < 0 && errno == ENOSYS) fd = openat(dir, path[0] == '/' ? path + 1 : path, O_PATH | O_CLOEXEC);
  int saved = errno;
  close(dir);
  errno = saved;
  return fd;
}

/* Connects `sock` (the command's socket) as asked by `addr`; returns 0 or an errno. */
static int decide_and_connect(pid_t pid, int sock, struct sockaddr_storage *addr, socklen_t len) {
  if (len < sizeof(sa_family_t) || addr->ss_family != AF_UNIX ||
      len <= offsetof(struct sockaddr_un, sun_path))
    return connect(sock, (struct sockaddr *)addr, len) == 0 ? 0 : errno;
  struct sockaddr_un *un = (struct sockaddr_un *)addr;
  size_t path_len = len - offsetof(struct sockaddr_un, sun_path);
  if (un->sun_path[0] == '\0') {
    /* Abstract names live in the network namespace: with the network off it is the sandbox's. */
    if (!net_off && !held_inside(0, 0, un->sun_path, path_len)) {
      note_refusal("an abstract unix socket of the host");
      return EACCES;
    }
    return connect(sock, (struct sockaddr *)addr, len) == 0 ? 0 : errno;
  }
  char path[sizeof un->sun_path + 1];
  memcpy(path, un->sun_path, path_len);
  path[path_len] = '\0';
  int target = open_target(pid, path);
  if (target < 0) return errno == ELOOP ? ELOOP : errno == ENOENT ? ENOENT : ECONNREFUSED;
  struct stat st;
  int result;
  if (fstat(target, &st) != 0 || !S_ISSOCK(st.st_mode)) {
    result = ECONNREFUSED;
  } else {
    int ok = 0;
    for (int i = 0; i < allowed_count && !ok; i++)
      ok = allowed[i].dev == st.st_dev && allowed[i].ino == st.st_ino;
    if (!ok) ok = held_inside(st.st_dev, st.st_ino, NULL, 0);
    if (!ok) {
      note_refusal(path);
      result = EACCES;
    } else {
      struct sockaddr_un via = {.sun_family = AF_UNIX};
      snprintf(via.sun_path, sizeof via.sun_path, "/proc/self/fd/%d", target);
      result = connect(sock, (struct sockaddr *)&via, sizeof via) == 0 ? 0 : errno;
    }
  }
  close(target);
  return result;
}

static int notif_valid(uint64_t id) {
  return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void *handle(void *arg) {
  struct seccomp_notif *req = arg;
  struct seccomp_notif_resp resp = {.id = req->id};
  pid_t pid = (pid_t)req->pid;
  int sock_fd = (int)req->data.args[0];
  uint64_t addr_ptr = req->data.args[1];
  socklen_t len = (socklen_t)req->data.args[2];
  struct sockaddr_storage addr;
  int err = 0, mem = -1, pidfd = -1, sock = -1;
  if (len > sizeof addr) {
    err = EINVAL;
    goto reply;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mem", pid);
  mem = open(path, O_RDONLY | O_CLOEXEC);
  if (mem < 0 || pread(mem, &addr, len, (off_t)addr_ptr) != (ssize_t)len) {
    err = mem < 0 ? EACCES : EFAULT;
    goto reply;
  }
  pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  /* Still the same process (not a reused pid)? Checked after the reads and the pidfd. */
  if (pidfd < 0 || !notif_valid(req->id)) goto done;
  sock = (int)syscall(SYS_pidfd_getfd, pidfd, sock_fd, 0);
  if (sock < 0) {
    err = errno == EBADF ? EBADF : EACCES;
    goto reply;
  }
  err = decide_and_connect(pid, sock, &addr, len);
reply:
  resp.error = err ? -err : 0;
  ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp); /* ENOENT: the caller is gone */
done:
  if (sock >= 0) close(sock);
  if (pidfd >= 0) close(pidfd);
  if (mem >= 0) close(mem);
  free(req);
  return NULL;
}

/* ---- set-up ------------------------------------------------------------------------------- */

static void send_fd(int channel, int fd) {
  char data = 'L';
  struct iovec iov = {.iov_base = &data, .iov_len = 1};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } control = {0};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  if (sendmsg(channel, &msg, 0) != 1) die("sending the listener");
}

static int recv_fd(int channel) {
  char data;
  struct iovec iov = {.iov_base = &data, .iov_len = 1};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf};
  if (recvmsg(channel, &msg, MSG_CMSG_CLOEXEC) != 1) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

static void exec_command(char **argv) {
  execvp(argv[0], argv);
  int saved = errno;
  fprintf(stderr, "yoke-sandbox: execvp %s: %s\n", argv[0], strerror(saved));
  _exit(saved == ENOENT ? 127 : 126);
}

/* Ends this process the way the command ended. */
static void exit_like(int status) {
  if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
  int sig = WTERMSIG(status);
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  kill(getpid(), sig);
  _exit(128 + sig);
}

static void supervise(pid_t child) {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  if (pidfd < 0) die("pidfd_open");
  struct seccomp_notif_sizes sizes;
  if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) die("notif sizes");
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  for (;;) {
    struct pollfd p[2] = {{.fd = listener, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (p[1].revents) {
      int status;
      if (waitpid(child, &status, 0) == child) exit_like(status);
    }
    if (p[0].revents & POLLIN) {
      size_t size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif
                                                                         : sizeof(struct seccomp_notif);
      struct seccomp_notif *req = calloc(1, size);
      if (!req) die("calloc");
      if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
        free(req); /* the caller went away meanwhile */
        continue;
      }
      pthread_t thread;
      if (pthread_create(&thread, &attr, handle, req) != 0) {
        struct seccomp_notif_resp resp = {.id = req->id, .error = -EAGAIN};
        ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
        free(req);
      }
    }
  }
}

int main(int argc, char **argv) {
  int filter = 0, i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *opt = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(opt, "--sockets") == 0) {
      filter = 1;
    } else if (strcmp(opt, "--net-off") == 0) {
      net_off = 1;
    } else if (value && strcmp(opt, "--nproc") == 0) {
      set_limit(RLIMIT_NPROC, value), i++;
    } else if (value && strcmp(opt, "--data") == 0) {
      set_limit(RLIMIT_DATA, value), i++;
    } else if (value && strcmp(opt, "--fsize") == 0) {
      set_limit(RLIMIT_FSIZE, value), i++;
    } else if (value && strcmp(opt, "--allow-socket") == 0) {
      struct stat st;
      if (allowed_count < MAX_ALLOWED && stat(value, &st) == 0)
        allowed[allowed_count].dev = st.st_dev, allowed[allowed_count++].ino = st.st_ino;
      i++;
    } else {
      fprintf(stderr, "yoke-sandbox: unknown option %s\n", opt);
      return 126;
    }
  }
  if (i + 1 >= argc) {
    fprintf(stderr, "usage: yoke-sandbox-exec [OPTIONS] -- COMMAND [ARGS]\n");
    return 126;
  }
  char **command = argv + i + 1;
  if (!filter) exec_command(command);

  int channel[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel) != 0) die("socketpair");
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    close(channel[0]);
    int fd = install_filter();
    send_fd(channel[1], fd);
    close(fd);
    close(channel[1]);
    exec_command(command);
  }
  close(channel[1]);
  listener = recv_fd(channel[0]);
  close(channel[0]);
  if (listener < 0) {
    int status;
    waitpid(child, &status, 0); /* the child said why */
    exit_like(status);
  }
  supervise(child);
  return 126;
}
