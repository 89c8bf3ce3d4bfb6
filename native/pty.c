// yoke-pty: runs one command on a new pseudo-terminal, for command/exec with `tty` (the App
// Server starts it, inside the sandbox when there is one, as `yoke-pty ROWS COLS -- ARGV...`).
//
// stdin carries frames from Yoke, so that input and resizes share one pipe:
//   'd' + 4-byte big-endian length + bytes   input for the terminal
//   'r' + 2-byte rows + 2-byte cols           a new window size (the command gets SIGWINCH)
//   'e'                                       end of input: the terminal's EOF character
// Everything the terminal prints is copied to stdout as it comes. When the command has exited
// and the terminal is drained, yoke-pty exits with the command's status (128 + the signal
// that killed it). A closed stdin leaves the command running; killing yoke-pty's process
// group stops it all.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define FRAME_MAX (1 << 20)

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p = {fd, POLLOUT, 0};
        poll(&p, 1, -1);
        continue;
      }
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static unsigned short parse_size(const char *s, const char *what) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < 1 || v > 10000) {
    fprintf(stderr, "yoke-pty: bad %s: %s\n", what, s);
    exit(2);
  }
  return (unsigned short)v;
}

// Input waiting for the terminal: written as the command reads it, so a command that does not
// read never blocks the copying of its output.
static char *pending;
static size_t pending_len, pending_cap;

static void queue_input(const char *buf, size_t len) {
  if (pending_len + len > pending_cap) {
    pending_cap = (pending_len + len) * 2;
    pending = realloc(pending, pending_cap);
    if (!pending) {
      perror("yoke-pty: realloc");
      exit(1);
    }
  }
  memcpy(pending + pending_len, buf, len);
  pending_len += len;
}

int main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[3], "--") != 0) {
    fprintf(stderr, "usage: yoke-pty ROWS COLS -- COMMAND [ARG...]\n");
    return 2;
  }
  struct winsize ws = {0};
  ws.ws_row = parse_size(argv[1], "rows");
  ws.ws_col = parse_size(argv[2], "cols");

  int master;
  pid_t pid = forkpty(&master, NULL, NULL, &ws);
  if (pid < 0) {
    perror("yoke-pty: forkpty");
    return 1;
  }
  if (pid == 0) {
    execvp(argv[4], argv + 4);
    fprintf(stderr, "yoke-pty: %s: %s\n", argv[4], strerror(errno));
    _exit(127);
  }
  signal(SIGPIPE, SIG_IGN);
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);

  static char frames[FRAME_MAX + 8];
  size_t framed = 0;
  int stdin_open = 1;
  char buf[65536];
  for (;;) {
    struct pollfd fds[2] = {{master, POLLIN | (pending_len ? POLLOUT : 0), 0}, {0, POLLIN, 0}};
    if (poll(fds, stdin_open ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      perror("yoke-pty: poll");
      break;
    }
    if (fds[0].revents & POLLIN) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n > 0) {
        if (write_all(1, buf, (size_t)n) < 0) break;
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        break; // EIO: every holder of the terminal's other end has closed it
      }
    } else if (fds[0].revents & (POLLHUP | POLLERR)) {
      break;
    }
    if (pending_len && (fds[0].revents & POLLOUT)) {
      ssize_t n = write(master, pending, pending_len);
      if (n > 0) {
        memmove(pending, pending + n, pending_len - (size_t)n);
        pending_len -= (size_t)n;
      }
    }
    if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP))) {
      ssize_t n = read(0, frames + framed, sizeof frames - framed);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        stdin_open = 0;
        continue;
      }
      framed += (size_t)n;
      size_t at = 0;
      while (at < framed) {
        char type = frames[at];
        size_t left = framed - at;
        if (type == 'd') {
          if (left < 5) break;
          const unsigned char *h = (const unsigned char *)frames + at + 1;
          uint32_t len = ((uint32_t)h[0] << 24) | ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
          if (len > FRAME_MAX) {
            fprintf(stderr, "yoke-pty: input frame of %u bytes is too large\n", len);
            return 2;
          }
          if (left < 5 + (size_t)len) break;
          queue_input(frames + at + 5, len);
          at += 5 + len;
        } else if (type == 'r') {
          if (left < 5) break;
          const unsigned char *h = (const unsigned char *)frames + at + 1;
          struct winsize next = {0};
          next.ws_row = (unsigned short)((h[0] << 8) | h[1]);
          next.ws_col = (unsigned short)((h[2] << 8) | h[3]);
          if (next.ws_row && next.ws_col) ioctl(master, TIOCSWINSZ, &next);
          at += 5;
        } else if (type == 'e') {
          struct termios t;
          char eof = tcgetattr(master, &t) == 0 ? (char)t.c_cc[VEOF] : 4;
          queue_input(&eof, 1);
          at += 1;
        } else {
          fprintf(stderr, "yoke-pty: unknown frame type 0x%02x\n", (unsigned char)type);
          return 2;
        }
      }
      memmove(frames, frames + at, framed - at);
      framed -= at;
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
