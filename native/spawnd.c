/*
 * yoke-spawnd: a small, long-lived process that starts commands for Yoke.
 *
 * Node's child_process forks the whole (large) Node process and waits for the child to exec,
 * which costs ~6 ms of blocked event loop per command on small VMs. This helper is tiny and
 * uses posix_spawn (vfork semantics), so a command starts in well under a millisecond of its
 * time and none of Node's. Each command runs in a new session (its own process group) with
 * stdin on /dev/null and stdout+stderr on one pipe, as the `none` runner does.
 *
 * Protocol on stdin/stdout, little-endian, one frame after another:
 *   request  'S' u32 id, u32 argc, u32 envc (0: inherit), u32 len, then len bytes:
 *                cwd NUL, argv[0] NUL … argv[argc-1] NUL, env[0] NUL … env[envc-1] NUL
 *   request  'K' u32 id, u32 signal          signal the command's process group
 *   reply    'P' u32 id, i32 pid             started
 *   reply    'F' u32 id, i32 errno           could not start
 *   reply    'O' u32 id, u32 len, bytes      output
 *   reply    'X' u32 id, i32 wait status     exited; its output pipe is drained and closed
 * When stdin closes or Yoke dies, every running command's group is killed and spawnd exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_CMDS 256

typedef struct {
  uint32_t id;
  pid_t pid;    /* 0: slot free */
  int fd;       /* output pipe, -1 once closed */
  int exited;   /* reaped */
  int status;
} cmd_t;

static cmd_t cmds[MAX_CMDS];
static unsigned char inbuf[1 << 20];
static size_t inlen = 0;

static void write_all(const void *buf, size_t len) {
  const unsigned char *p = buf;
  while (len > 0) {
    ssize_t n = write(1, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(3);
    }
    p += n;
    len -= (size_t)n;
  }
}

static void reply(char kind, uint32_t id, int32_t value) {
  unsigned char frame[9];
  frame[0] = (unsigned char)kind;
  memcpy(frame + 1, &id, 4);
  memcpy(frame + 5, &value, 4);
  write_all(frame, sizeof frame);
}

static void reply_output(uint32_t id, const unsigned char *data, uint32_t len) {
  unsigned char head[9];
  head[0] = 'O';
  memcpy(head + 1, &id, 4);
  memcpy(head + 5, &len, 4);
  write_all(head, sizeof head);
  write_all(data, len);
}

static cmd_t *find(uint32_t id) {
  for (int i = 0; i < MAX_CMDS; i++)
    if (cmds[i].pid != 0 && cmds[i].id == id) return &cmds[i];
  return NULL;
}

static void finish_if_done(cmd_t *c) {
  if (c->exited && c->fd < 0) {
    reply('X', c->id, c->status);
    c->pid = 0;
  }
}

static void drain(cmd_t *c) {
  static unsigned char buf[65536];
  for (;;) {
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n > 0) {
      reply_output(c->id, buf, (uint32_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    close(c->fd); /* EOF or error */
    c->fd = -1;
    finish_if_done(c);
    return;
  }
}

static void start(uint32_t id, uint32_t argc, uint32_t envc, char *payload, uint32_t len) {
  char *strings[1 + 4096 + 4096];
  uint32_t want = 1 + argc + envc, got = 0;
  if (argc == 0 || argc > 4096 || envc > 4096) {
    reply('F', id, E2BIG);
    return;
  }
  for (uint32_t off = 0; off < len && got < want; got++) {
    strings[got] = payload + off;
    off += (uint32_t)strlen(payload + off) + 1;
  }
  if (got != want) {
    reply('F', id, EINVAL);
    return;
  }
  int slot = -1;
  for (int i = 0; i < MAX_CMDS; i++)
    if (cmds[i].pid == 0) {
      slot = i;
      break;
    }
  if (slot < 0) {
    reply('F', id, EAGAIN);
    return;
  }
  char *argv[4097], *envp[4097];
  for (uint32_t i = 0; i < argc; i++) argv[i] = strings[1 + i];
  argv[argc] = NULL;
  for (uint32_t i = 0; i < envc; i++) envp[i] = strings[1 + argc + i];
  envp[envc] = NULL;

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    reply('F', id, errno);
    return;
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addchdir_np(&fa, strings[0]);
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid;
  int err = posix_spawnp(&pid, argv[0], &fa, &attr, argv, envc ? envp : environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (err != 0) {
    close(fds[0]);
    reply('F', id, err);
    return;
  }
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  cmds[slot] = (cmd_t){.id = id, .pid = pid, .fd = fds[0], .exited = 0, .status = 0};
  reply('P', id, pid);
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (int i = 0; i < MAX_CMDS; i++) {
      cmd_t *c = &cmds[i];
      if (c->pid != pid || c->exited) continue;
      c->exited = 1;
      c->status = status;
      /* Whatever the command left running in its group dies with it; then its pipe closes. */
      kill(-pid, SIGKILL);
      if (c->fd >= 0) drain(c);
      finish_if_done(c);
    }
  }
}

/* Handles complete frames in inbuf; returns bytes consumed. */
static size_t handle_frames(void) {
  size_t pos = 0;
  for (;;) {
    size_t left = inlen - pos;
    unsigned char *f = inbuf + pos;
    if (left < 1) break;
    if (f[0] == 'K') {
      if (left < 9) break;
      uint32_t id, sig;
      memcpy(&id, f + 1, 4);
      memcpy(&sig, f + 5, 4);
      cmd_t *c = find(id);
      if (c && !c->exited) kill(-c->pid, (int)sig);
      pos += 9;
    } else if (f[0] == 'S') {
      if (left < 17) break;
      uint32_t id, argc, envc, len;
      memcpy(&id, f + 1, 4);
      memcpy(&argc, f + 5, 4);
      memcpy(&envc, f + 9, 4);
      memcpy(&len, f + 13, 4);
      if (len > sizeof inbuf - 17) _exit(4);
      if (left < 17 + (size_t)len) break;
      f[17 + len - 1] = '\0';
      start(id, argc, envc, (char *)f + 17, len);
      pos += 17 + len;
    } else {
      _exit(5); /* protocol error: the parent is not Yoke */
    }
  }
  return pos;
}

static void kill_all_and_exit(void) {
  for (int i = 0; i < MAX_CMDS; i++)
    if (cmds[i].pid != 0 && !cmds[i].exited) kill(-cmds[i].pid, SIGKILL);
  _exit(0);
}

int main(void) {
  /* If Yoke dies (even by SIGKILL) the kernel sends us SIGTERM, and we take every running
   * command's process group down with us. */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  signal(SIGPIPE, SIG_IGN);
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) return 2;
  if (getppid() == 1) return 0; /* Yoke died before the death signal was armed */
  for (int i = 0; i < MAX_CMDS; i++) cmds[i].fd = -1;

  struct pollfd pfds[2 + MAX_CMDS];
  cmd_t *owners[2 + MAX_CMDS];
  for (;;) {
    nfds_t n = 0;
    pfds[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
    pfds[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    for (int i = 0; i < MAX_CMDS; i++)
      if (cmds[i].pid != 0 && cmds[i].fd >= 0) {
        owners[n] = &cmds[i];
        pfds[n++] = (struct pollfd){.fd = cmds[i].fd, .events = POLLIN};
      }
    if (poll(pfds, n, -1) < 0) {
      if (errno == EINTR) continue;
      return 2;
    }
    for (nfds_t i = 2; i < n; i++)
      if (pfds[i].revents && owners[i]->fd >= 0) drain(owners[i]);
    if (pfds[1].revents) {
      struct signalfd_siginfo info;
      int term = 0;
      while (read(sfd, &info, sizeof info) > 0)
        if (info.ssi_signo == SIGTERM) term = 1;
      if (term) kill_all_and_exit();
      reap();
    }
    if (pfds[0].revents) {
      ssize_t r = read(0, inbuf + inlen, sizeof inbuf - inlen);
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) kill_all_and_exit();
      if (r > 0) {
        inlen += (size_t)r;
        size_t used = handle_frames();
        memmove(inbuf, inbuf + used, inlen - used);
        inlen -= used;
      }
    }
  }
}
