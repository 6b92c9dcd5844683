// Batched UDP I/O for RpcServer (src/rpc/udp-native.ts): one socket watched by libuv, drained with
// recvmmsg(2) a batch at a time, the batch handed to JavaScript in one call, and the replies that
// call produced sent back with one sendmmsg(2). Node's dgram costs one recvmsg, one JavaScript
// callback and one send request per datagram; this costs one of each per batch.
//
// Each datagram lands first in its slot of `landing`, a buffer JavaScript shares; only what is
// longer than a slot (kLanding) goes on into a private overflow area. A batch of short datagrams
// (all of them in practice) is handed over in place: no copy and no allocation; JavaScript copies a
// datagram only if it must keep it. A batch with a long one is copied into one fresh buffer.
//
// JavaScript side of the contract (all arrays are allocated by JavaScript and passed to start()):
//   landing   Uint8Array, kBatch * kLanding: the short datagrams of a batch, valid during the call
//   meta      Int32Array, kBatch * 4: per datagram offset and length (in landing, or in the fresh
//             buffer), source port, and the length of the source address text in addrText (0: same
//             as the previous datagram's, which saves formatting and a string per datagram)
//   addrText  Uint8Array, kBatch * 64: source address text, as node:dgram's rinfo.address spells it
//   sendArea  Uint8Array: reply bytes queued during the batch call
//   sendMeta  Int32Array, kBatch * 3: per queued reply offset and length in sendArea, and the index
//             of the datagram whose source it goes to
//   onBatch(data: Buffer | undefined, count: number, sendErrors: number) returns how many replies
//   it queued; data is undefined when the datagrams are in landing.
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

namespace {

constexpr int kBatch = 32;
constexpr size_t kLanding = 2048;
constexpr size_t kSlot = 65536;  // with kLanding, the largest UDP payload fits: nothing is truncated
constexpr int kMetaInts = 4;
constexpr int kAddrText = 64;
constexpr int kSendMetaInts = 3;
// Batches read per readable event before the loop gets a turn (timers, TCP); the poll is level
// triggered, so what is left is read on the next turn.
constexpr int kMaxBatchesPerWake = 16;

struct Socket {
  napi_env env = nullptr;
  napi_ref self = nullptr;  // strong while started: the object lives while its socket does
  napi_ref on_batch = nullptr;
  napi_ref on_close = nullptr;
  napi_ref arrays[5] = {nullptr, nullptr, nullptr, nullptr, nullptr};
  napi_async_context async_ctx = nullptr;
  napi_async_cleanup_hook_handle cleanup = nullptr;
  uint8_t* landing = nullptr;
  int32_t* meta = nullptr;
  char* addr_text = nullptr;
  uint8_t* send_area = nullptr;
  size_t send_area_len = 0;
  int32_t* send_meta = nullptr;
  uv_poll_t poll;
  int fd = -1;
  int family = 0;
  bool started = false;
  bool closing = false;
  bool closed = false;
  bool teardown = false;
  bool finalized = false;
  uint8_t* slots = nullptr;
  mmsghdr rmsgs[kBatch];
  iovec riov[kBatch][2];
  sockaddr_storage src[kBatch];
  mmsghdr smsgs[kBatch];
  iovec siov[kBatch];
  sockaddr_storage last;  // source address of the last datagram delivered, for meta's text memo
  bool have_last = false;
  uint32_t send_errors = 0;  // replies dropped since the last batch call
};

void CallFatal(napi_env env) {
  napi_value err;
  if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
}

napi_value Undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

napi_value Int(napi_env env, int32_t n) {
  napi_value v;
  napi_create_int32(env, n, &v);
  return v;
}

bool ThrowType(napi_env env, const char* msg) {
  napi_throw_type_error(env, nullptr, msg);
  return false;
}

Socket* Unwrap(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv, napi_value* self) {
  napi_value this_arg;
  if (napi_get_cb_info(env, info, argc, argv, &this_arg, nullptr) != napi_ok) return nullptr;
  Socket* s = nullptr;
  if (napi_unwrap(env, this_arg, reinterpret_cast<void**>(&s)) != napi_ok || s == nullptr) {
    ThrowType(env, "not a native UDP socket");
    return nullptr;
  }
  if (self != nullptr) *self = this_arg;
  return s;
}

void DeleteRef(napi_env env, napi_ref* ref) {
  if (*ref != nullptr) napi_delete_reference(env, *ref);
  *ref = nullptr;
}

void ReleaseJs(Socket* s) {
  napi_env env = s->env;
  DeleteRef(env, &s->on_batch);
  DeleteRef(env, &s->on_close);
  for (auto& r : s->arrays) DeleteRef(env, &r);
  if (s->async_ctx != nullptr) napi_async_destroy(env, s->async_ctx);
  s->async_ctx = nullptr;
  DeleteRef(env, &s->self);  // last: may let the object (and so this struct) be collected
}

// The receive slots are mapped, not allocated: only the pages datagrams touched become resident,
// and they go back to the system as soon as the socket closes, not when the object is collected.
void ReleaseSlots(Socket* s) {
  if (s->slots != nullptr) munmap(s->slots, kBatch * kSlot);
  s->slots = nullptr;
}

void Free(Socket* s) {
  if (s->fd >= 0) close(s->fd);
  ReleaseSlots(s);
  delete s;
}

// Formats a source address as node's AddressToJS does (uv_inet_ntop, and %scope on link-local).
size_t FormatAddress(const sockaddr_storage& ss, char* out) {
  out[0] = '\0';
  if (ss.ss_family == AF_INET) {
    uv_inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, out, kAddrText);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    uv_inet_ntop(AF_INET6, &a6->sin6_addr, out, kAddrText);
    if (IN6_IS_ADDR_LINKLOCAL(&a6->sin6_addr) && a6->sin6_scope_id > 0) {
      size_t len = strlen(out);
      size_t room = kAddrText - len - 1;
      if (room > UV_IF_NAMESIZE) {
        out[len] = '%';
        if (uv_if_indextoiid(a6->sin6_scope_id, out + len + 1, &room) != 0) out[len] = '\0';
      }
    }
  }
  return strlen(out);
}

bool SameAddress(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&a)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(&b)->sin_addr.s_addr;
  }
  const auto* x = reinterpret_cast<const sockaddr_in6*>(&a);
  const auto* y = reinterpret_cast<const sockaddr_in6*>(&b);
  return x->sin6_scope_id == y->sin6_scope_id && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

int PortOf(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

bool DropOnError(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS || err == ENOMEM;
}

// Sends msgs[0..count); a reply the kernel refuses is dropped and counted, as UDP may.
void SendAll(Socket* s, mmsghdr* msgs, int count) {
  int i = 0;
  while (i < count) {
    int r = sendmmsg(s->fd, msgs + i, count - i, MSG_DONTWAIT);
    if (r > 0) {
      i += r;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && DropOnError(errno)) {
      // The send buffer is full: the rest would fail the same way.
      s->send_errors += count - i;
      return;
    }
    // This one reply is refused (bad destination, too big): drop it, send the others.
    s->send_errors++;
    i++;
  }
}

void Flush(Socket* s, int received, int32_t queued) {
  if (queued <= 0 || s->fd < 0) return;
  if (queued > kBatch) queued = kBatch;
  int n = 0;
  for (int j = 0; j < queued; j++) {
    int32_t off = s->send_meta[j * kSendMetaInts];
    int32_t len = s->send_meta[j * kSendMetaInts + 1];
    int32_t idx = s->send_meta[j * kSendMetaInts + 2];
    if (off < 0 || len < 0 || static_cast<size_t>(off) + static_cast<size_t>(len) > s->send_area_len ||
        idx < 0 || idx >= received) {
      s->send_errors++;
      continue;
    }
    s->siov[n].iov_base = s->send_area + off;
    s->siov[n].iov_len = static_cast<size_t>(len);
    msghdr& h = s->smsgs[n].msg_hdr;
    memset(&h, 0, sizeof h);
    h.msg_name = &s->src[idx];
    h.msg_namelen = s->rmsgs[idx].msg_hdr.msg_namelen;
    h.msg_iov = &s->siov[n];
    h.msg_iovlen = 1;
    n++;
  }
  SendAll(s, s->smsgs, n);
}

// Hands one received batch to JavaScript and sends the replies it queued.
void Deliver(Socket* s, int n) {
  napi_env env = s->env;
  bool in_place = true;
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    total += s->rmsgs[i].msg_len;
    if (s->rmsgs[i].msg_len > kLanding) in_place = false;
  }
  uint8_t* data = nullptr;
  napi_value buf;
  if (in_place) {
    napi_get_undefined(env, &buf);
  } else if (napi_create_buffer(env, total, reinterpret_cast<void**>(&data), &buf) != napi_ok) {
    CallFatal(env);
    return;
  }
  size_t off = 0;
  for (int i = 0; i < n; i++) {
    size_t len = s->rmsgs[i].msg_len;
    int32_t* m = s->meta + i * kMetaInts;
    if (in_place) {
      m[0] = static_cast<int32_t>(i * kLanding);
    } else {
      size_t head = len < kLanding ? len : kLanding;
      if (head > 0) memcpy(data + off, s->landing + i * kLanding, head);
      if (len > head) memcpy(data + off + head, s->slots + i * kSlot, len - head);
      m[0] = static_cast<int32_t>(off);
      off += len;
    }
    m[1] = static_cast<int32_t>(len);
    m[2] = PortOf(s->src[i]);
    if (s->have_last && SameAddress(s->src[i], s->last)) {
      m[3] = 0;
    } else {
      m[3] = static_cast<int32_t>(FormatAddress(s->src[i], s->addr_text + i * kAddrText));
      if (m[3] == 0) {
        // An address family node would not name either; give it some text so the memo holds.
        memcpy(s->addr_text + i * kAddrText, "?", 1);
        m[3] = 1;
      }
      s->last = s->src[i];
      s->have_last = true;
    }
  }
  napi_value cb, recv, result;
  napi_get_reference_value(env, s->on_batch, &cb);
  napi_get_reference_value(env, s->self, &recv);
  napi_value argv[3] = {buf, Int(env, n), Int(env, static_cast<int32_t>(s->send_errors))};
  s->send_errors = 0;
  napi_status st = napi_make_callback(env, s->async_ctx, recv, cb, 3, argv, &result);
  if (st != napi_ok) {
    CallFatal(env);
    return;
  }
  int32_t queued = 0;
  if (napi_get_value_int32(env, result, &queued) != napi_ok) queued = 0;
  // The socket may have been closed during the call; its fd stays open until the close callback.
  Flush(s, n, queued);
}

void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  Socket* s = static_cast<Socket*>(handle->data);
  if (s->closing) return;
  if (status < 0) {
    // libuv stopped the handle on POLLERR. A pending socket error (an ICMP error) is no reason to
    // stop serving: clear it and watch again. A socket that cannot tell its error stays stopped.
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0) {
      uv_poll_start(&s->poll, UV_READABLE, OnReadable);
    }
    return;
  }
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  for (int round = 0; round < kMaxBatchesPerWake && !s->closing; round++) {
    for (int i = 0; i < kBatch; i++) {
      msghdr& h = s->rmsgs[i].msg_hdr;
      h.msg_name = &s->src[i];
      h.msg_namelen = sizeof s->src[i];
      h.msg_iov = s->riov[i];
      h.msg_iovlen = 2;
      h.msg_control = nullptr;
      h.msg_controllen = 0;
      h.msg_flags = 0;
      s->rmsgs[i].msg_len = 0;
    }
    int n = recvmmsg(s->fd, s->rmsgs, kBatch, MSG_DONTWAIT, nullptr);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: drained; anything else is not ours to fix here
    Deliver(s, n);
    if (n < kBatch) break;  // most likely drained; if not, the poll fires again
  }
  napi_close_handle_scope(s->env, scope);
}

void OnClosed(uv_handle_t* handle) {
  Socket* s = static_cast<Socket*>(handle->data);
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  s->closed = true;
  ReleaseSlots(s);
  if (s->cleanup != nullptr) napi_remove_async_cleanup_hook(s->cleanup);
  s->cleanup = nullptr;
  if (s->finalized) {
    Free(s);
    return;
  }
  if (s->teardown) return;  // the environment is going away: no more JavaScript
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) == napi_ok) {
    if (s->on_close != nullptr) {
      napi_value cb, recv, result;
      napi_get_reference_value(env, s->on_close, &cb);
      napi_get_reference_value(env, s->self, &recv);
      if (napi_make_callback(env, s->async_ctx, recv, cb, 0, nullptr, &result) != napi_ok) CallFatal(env);
    }
    napi_close_handle_scope(env, scope);
  }
  ReleaseJs(s);
}

void StartClose(Socket* s) {
  s->closing = true;
  uv_poll_stop(&s->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), OnClosed);
}

// The environment (a worker thread, the process) is ending: close the poll handle so the loop can.
void OnTeardown(napi_async_cleanup_hook_handle /*handle*/, void* arg) {
  Socket* s = static_cast<Socket*>(arg);
  s->teardown = true;
  if (!s->closing) StartClose(s);
}

void Finalize(napi_env /*env*/, void* data, void* /*hint*/) {
  Socket* s = static_cast<Socket*>(data);
  s->finalized = true;
  if (s->started && !s->closed) {
    if (!s->closing) {
      s->teardown = true;
      StartClose(s);
    }
    return;  // OnClosed frees it
  }
  Free(s);
}

napi_value New(napi_env env, napi_callback_info info) {
  napi_value this_arg;
  napi_get_cb_info(env, info, nullptr, nullptr, &this_arg, nullptr);
  void* slots = mmap(nullptr, kBatch * kSlot, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (slots == MAP_FAILED) {
    napi_throw_error(env, "ENOMEM", "cannot map the UDP receive buffers");
    return nullptr;
  }
  Socket* s = new Socket();
  s->env = env;
  s->slots = static_cast<uint8_t*>(slots);
  for (int i = 0; i < kBatch; i++) {
    s->riov[i][1].iov_base = s->slots + i * kSlot;
    s->riov[i][1].iov_len = kSlot;
  }
  if (napi_wrap(env, this_arg, s, Finalize, nullptr, nullptr) != napi_ok) {
    Free(s);
    return nullptr;
  }
  return this_arg;
}

bool GetString(napi_env env, napi_value v, char* out, size_t size) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, out, size, &len) != napi_ok) {
    return ThrowType(env, "expected a string");
  }
  if (len + 1 >= size) return ThrowType(env, "address too long");
  return true;
}

// Parses an IP literal (with %scope for IPv6) into a destination for a socket of `family`.
int ParseAddress(int family, const char* text, int port, sockaddr_storage* ss, socklen_t* len) {
  memset(ss, 0, sizeof *ss);
  if (port < 0 || port > 65535) return -EINVAL;
  if (family == AF_INET6) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(ss);
    if (strchr(text, ':') != nullptr) {
      if (uv_ip6_addr(text, port, a6) != 0) return -EINVAL;
    } else {
      // An IPv4 caller on a dual-stack socket is answered at its v4-mapped address.
      sockaddr_in a4;
      if (uv_ip4_addr(text, port, &a4) != 0) return -EINVAL;
      a6->sin6_family = AF_INET6;
      a6->sin6_port = a4.sin_port;
      a6->sin6_addr.s6_addr[10] = 0xff;
      a6->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&a6->sin6_addr.s6_addr[12], &a4.sin_addr, 4);
    }
    *len = sizeof(sockaddr_in6);
    return 0;
  }
  if (uv_ip4_addr(text, port, reinterpret_cast<sockaddr_in*>(ss)) != 0) return -EINVAL;
  *len = sizeof(sockaddr_in);
  return 0;
}

// bind(family: 4 | 6, host: string, port: number): the bound port, or -errno.
napi_value Bind(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Socket* s = Unwrap(env, info, &argc, argv, nullptr);
  if (s == nullptr) return nullptr;
  if (s->fd >= 0 || s->closing || s->closed) return Int(env, -EINVAL);
  int32_t fam = 0, port = 0;
  char host[INET6_ADDRSTRLEN + UV_IF_NAMESIZE + 2];
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fam) != napi_ok ||
      napi_get_value_int32(env, argv[2], &port) != napi_ok) {
    ThrowType(env, "bind(family, host, port)");
    return nullptr;
  }
  if (!GetString(env, argv[1], host, sizeof host)) return nullptr;
  int af = fam == 6 ? AF_INET6 : AF_INET;
  sockaddr_storage ss;
  socklen_t sslen;
  int err = ParseAddress(af, host, port, &ss, &sslen);
  if (err != 0) return Int(env, err);
  if (af == AF_INET6 && strchr(host, ':') == nullptr) return Int(env, -EINVAL);
  int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Int(env, -errno);
  if (af == AF_INET6) {
    // '::' is dual-stack on purpose: IPv4 callers arrive as v4-mapped addresses.
    int off = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), sslen) != 0) {
    err = errno;
    close(fd);
    return Int(env, -err);
  }
  sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen) != 0) {
    err = errno;
    close(fd);
    return Int(env, -err);
  }
  s->fd = fd;
  s->family = af;
  return Int(env, PortOf(bound));
}

// localAddress(): the address the socket is bound to, as node:dgram's address() gives it.
napi_value LocalAddress(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Socket* s = Unwrap(env, info, &argc, nullptr, nullptr);
  if (s == nullptr) return nullptr;
  sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  if (s->fd < 0 || getsockname(s->fd, reinterpret_cast<sockaddr*>(&bound), &blen) != 0) return Undefined(env);
  char text[kAddrText];
  size_t len = FormatAddress(bound, text);
  napi_value v;
  napi_create_string_latin1(env, text, len, &v);
  return v;
}

// setRecvBufferSize(bytes): 0 or -errno.
napi_value SetRecvBufferSize(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Socket* s = Unwrap(env, info, &argc, argv, nullptr);
  if (s == nullptr) return nullptr;
  int32_t size = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &size) != napi_ok || size <= 0) return Int(env, -EINVAL);
  if (s->fd < 0) return Int(env, -EBADF);
  if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0) return Int(env, -errno);
  return Int(env, 0);
}

bool TypedArrayData(napi_env env, napi_value v, napi_typedarray_type want, size_t min_len, void** data,
                    size_t* len) {
  napi_typedarray_type type;
  size_t length;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok || type != want ||
      length < min_len)
    return ThrowType(env, want == napi_int32_array ? "expected an Int32Array" : "expected a Uint8Array");
  if (len != nullptr) *len = length;
  return true;
}

// start(landing, meta, addrText, sendArea, sendMeta, onBatch, onClose): starts reading.
napi_value Start(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_value self;
  Socket* s = Unwrap(env, info, &argc, argv, &self);
  if (s == nullptr) return nullptr;
  if (argc < 7) {
    ThrowType(env, "start(landing, meta, addrText, sendArea, sendMeta, onBatch, onClose)");
    return nullptr;
  }
  if (s->fd < 0 || s->started || s->closing) {
    ThrowType(env, "socket not bound, or already started");
    return nullptr;
  }
  void* landing;
  void* meta;
  void* addr;
  void* send;
  void* send_meta;
  size_t send_len;
  if (!TypedArrayData(env, argv[0], napi_uint8_array, kBatch * kLanding, &landing, nullptr) ||
      !TypedArrayData(env, argv[1], napi_int32_array, kBatch * kMetaInts, &meta, nullptr) ||
      !TypedArrayData(env, argv[2], napi_uint8_array, kBatch * kAddrText, &addr, nullptr) ||
      !TypedArrayData(env, argv[3], napi_uint8_array, 1, &send, &send_len) ||
      !TypedArrayData(env, argv[4], napi_int32_array, kBatch * kSendMetaInts, &send_meta, nullptr))
    return nullptr;
  for (int i = 5; i < 7; i++) {
    napi_valuetype t;
    napi_typeof(env, argv[i], &t);
    if (t != napi_function) {
      ThrowType(env, "start: onBatch and onClose must be functions");
      return nullptr;
    }
  }
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return nullptr;
  s->poll.data = s;
  int err = uv_poll_init(loop, &s->poll, s->fd);
  if (err != 0) {
    napi_throw_error(env, uv_err_name(err), "uv_poll_init failed");
    return nullptr;
  }
  s->landing = static_cast<uint8_t*>(landing);
  for (int i = 0; i < kBatch; i++) {
    s->riov[i][0].iov_base = s->landing + i * kLanding;
    s->riov[i][0].iov_len = kLanding;
  }
  s->meta = static_cast<int32_t*>(meta);
  s->addr_text = static_cast<char*>(addr);
  s->send_area = static_cast<uint8_t*>(send);
  s->send_area_len = send_len;
  s->send_meta = static_cast<int32_t*>(send_meta);
  for (int i = 0; i < 5; i++) napi_create_reference(env, argv[i], 1, &s->arrays[i]);
  napi_create_reference(env, argv[5], 1, &s->on_batch);
  napi_create_reference(env, argv[6], 1, &s->on_close);
  napi_create_reference(env, self, 1, &s->self);
  napi_value name;
  napi_create_string_utf8(env, "nsmd.UdpSocket", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, self, name, &s->async_ctx);
  napi_add_async_cleanup_hook(env, OnTeardown, s, &s->cleanup);
  s->started = true;
  uv_poll_start(&s->poll, UV_READABLE, OnReadable);
  return Undefined(env);
}

// sendTo(data: Uint8Array, address: string, port: number): 0, or -errno (the reply is dropped).
napi_value SendTo(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Socket* s = Unwrap(env, info, &argc, argv, nullptr);
  if (s == nullptr) return nullptr;
  if (argc < 3) {
    ThrowType(env, "sendTo(data, address, port)");
    return nullptr;
  }
  void* data;
  size_t len;
  if (!TypedArrayData(env, argv[0], napi_uint8_array, 0, &data, &len)) return nullptr;
  char host[INET6_ADDRSTRLEN + UV_IF_NAMESIZE + 2];
  if (!GetString(env, argv[1], host, sizeof host)) return nullptr;
  int32_t port;
  if (napi_get_value_int32(env, argv[2], &port) != napi_ok) return Int(env, -EINVAL);
  if (s->fd < 0 || s->closing) return Int(env, -EBADF);
  sockaddr_storage ss;
  socklen_t sslen;
  int err = ParseAddress(s->family, host, port, &ss, &sslen);
  if (err != 0) return Int(env, err);
  for (;;) {
    ssize_t r = sendto(s->fd, data, len, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&ss), sslen);
    if (r >= 0) return Int(env, 0);
    if (errno != EINTR) return Int(env, -errno);
  }
}

// close(): true when closing is under way (onClose will be called), false when already done.
napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Socket* s = Unwrap(env, info, &argc, nullptr, nullptr);
  if (s == nullptr) return nullptr;
  napi_value result;
  if (s->closing || s->closed) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  if (!s->started) {
    s->closed = true;
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    ReleaseSlots(s);
    napi_get_boolean(env, false, &result);
    return result;
  }
  StartClose(s);
  napi_get_boolean(env, true, &result);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"bind", nullptr, Bind, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"localAddress", nullptr, LocalAddress, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setRecvBufferSize", nullptr, SetRecvBufferSize, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"start", nullptr, Start, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sendTo", nullptr, SendTo, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value cls;
  if (napi_define_class(env, "UdpSocket", NAPI_AUTO_LENGTH, New, nullptr, sizeof methods / sizeof methods[0],
                        methods, &cls) != napi_ok)
    return nullptr;
  napi_set_named_property(env, exports, "UdpSocket", cls);
  napi_value v;
  napi_create_int32(env, kBatch, &v);
  napi_set_named_property(env, exports, "batch", v);
  napi_create_int32(env, kAddrText, &v);
  napi_set_named_property(env, exports, "addrText", v);
  napi_create_int32(env, kLanding, &v);
  napi_set_named_property(env, exports, "landing", v);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
