// One group commit's file work for FsStore (src/store/native-fs.ts), done by one libuv worker in one
// go: host files written, data-synced and renamed into place, removed ones renamed or unlinked, and
// each directory touched fsynced once.
//
// Why it is faster than the same calls made one by one from JavaScript: on ext4, fdatasync of a new
// or rewritten small file commits the journal, since its block allocation is new metadata. Made file
// by file, each sync is its own journal commit. Here the writeback of every file of the batch is
// started first (sync_file_range WRITE), so the allocations of all of them land in one transaction;
// the first fdatasync commits it, and the others find their data written and their transaction
// committed. Each file is still fdatasync'ed before it is renamed into place, so the guarantee per
// file is the one POSIX gives, on any file system.
//
// With the syncFs flag, the data of all written files is synced by one syncfs(2) of their file
// system instead: one writeback and one journal commit for the batch, whatever its size, at the
// price of also writing out whatever else is dirty on that file system.
//
// commit(meta, blob, dirFds, owner, flags) -> Promise<Int32Array>
//   meta    Int32Array, kMetaInts per job: kind, dir index, offset of `from`, offset of `to`, offset
//           and length of the data; offsets into blob, paths NUL-terminated
//   blob    Uint8Array: the paths and data (copied: JavaScript may reuse it at once)
//   dirFds  Int32Array: descriptors of the directories to fsync once a job touched them
//   owner   Int32Array [mode, uid, gid]: mode of new files, owner given to them (uid -1: none)
//   flags   syncFs (1) or 0
// resolves kResultInts per job (outcome, errno, syscall) then one int per directory: 0 synced,
// an errno when its fsync failed, -1 when no job touched it.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <string>
#include <vector>

#include <node_api.h>

namespace {

constexpr int kMetaInts = 6;
constexpr int kResultInts = 3;

enum Kind : int32_t {
  kWriteTemp = 0,   // from: a new temp file to create; renamed to `to`
  kWriteSpare = 1,  // from: an existing spare file; emptied, written, renamed to `to`
  kRecycle = 2,     // from: a host file renamed to the spare name `to` and emptied, else unlinked
  kUnlink = 3,      // from: a host file unlinked (a missing one counts as removed)
};

enum Outcome : int32_t {
  kDone = 0,
  kFailed = 1,       // errno and syscall say why; nothing changed at `to`
  kUnusable = 2,     // the spare is gone or not a plain file of ours: forget it
  kSpareRefused = 3, // the spare could not be opened (read-only, no space ...): keep it
  kUnlinked = 4,     // kRecycle: the rename failed and the file was unlinked instead
};

enum Syscall : int32_t {
  kNone = 0,
  kOpen,
  kWrite,
  kDatasync,
  kRename,
  kUnlinkCall,
  kFstat,
  kFtruncate,
  kFchmod,
  kFchown,
  kSyncfs,
};

// commit()'s flags.
constexpr int32_t kSyncFs = 1;  // data sync by one syncfs(2) per file system instead of fdatasync per file

struct Job {
  int32_t kind = 0;
  int32_t dir = 0;
  std::string from, to;
  size_t data_off = 0, data_len = 0;
  int fd = -1;
  dev_t dev = 0;  // file system of a written file (sync by syncfs)
  int32_t outcome = kDone, err = 0, syscall = kNone;
};

struct Batch {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  std::vector<Job> jobs;
  std::string blob;
  std::vector<int> dir_fds;
  std::vector<int32_t> dir_result;
  mode_t mode = 0600;
  int uid = -1, gid = -1;
  int32_t flags = 0;
};

void Fail(Job& j, int32_t syscall, int32_t outcome = kFailed) {
  j.outcome = outcome;
  j.err = errno;
  j.syscall = syscall;
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// A spare must be a regular file with one link (a hard link planted in its place must not be
// written through), emptied, owner-only and owned as new files would be.
bool PrepareSpare(Batch* b, Job& j) {
  struct stat st;
  if (fstat(j.fd, &st) != 0) return Fail(j, kFstat, kUnusable), false;
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
    j.outcome = kUnusable;
    return false;
  }
  if (st.st_size > 0 && ftruncate(j.fd, 0) != 0) return Fail(j, kFtruncate, kUnusable), false;
  if ((st.st_mode & 07077) != 0 && fchmod(j.fd, b->mode) != 0) return Fail(j, kFchmod, kUnusable), false;
  if (b->uid >= 0 && (st.st_uid != static_cast<uid_t>(b->uid) || st.st_gid != static_cast<gid_t>(b->gid)) &&
      fchown(j.fd, b->uid, b->gid) != 0)
    return Fail(j, kFchown, kUnusable), false;
  return true;
}

// Undoes a write that will not be renamed into place: a temp file goes, a spare is emptied and kept.
void Abandon(Job& j) {
  if (j.kind == kWriteSpare) {
    if (j.fd >= 0) (void)ftruncate(j.fd, 0);
    else (void)truncate(j.from.c_str(), 0);
  }
  if (j.fd >= 0) close(j.fd);
  j.fd = -1;
  if (j.kind == kWriteTemp) unlink(j.from.c_str());
}

void OpenAndWrite(Batch* b, Job& j) {
  if (j.kind == kWriteTemp) {
    j.fd = open(j.from.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, b->mode);
    if (j.fd < 0) return Fail(j, kOpen);
    if (b->uid >= 0 && fchown(j.fd, b->uid, b->gid) != 0) return Fail(j, kFchown), Abandon(j);
  } else {
    // O_NONBLOCK: a FIFO put in its place fails at once instead of blocking this thread forever.
    // No O_TRUNC: a planted hard link must be seen before anything is cut.
    j.fd = open(j.from.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (j.fd < 0) {
      int e = errno;
      Fail(j, kOpen, e == ENOENT || e == ELOOP || e == ENXIO || e == EISDIR ? kUnusable : kSpareRefused);
      return;
    }
    if (!PrepareSpare(b, j)) {
      close(j.fd);
      j.fd = -1;
      return;
    }
  }
  if (!WriteAll(j.fd, b->blob.data() + j.data_off, j.data_len)) return Fail(j, kWrite), Abandon(j);
  // Starts writeback now, so that the batch's allocations share one journal transaction.
  if (!(b->flags & kSyncFs)) (void)sync_file_range(j.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

// Files held open at once: a batch of thousands must not run into the descriptor limit.
constexpr size_t kOpenMax = 256;

// A file system to syncfs, through one descriptor kept open on it.
struct FsToSync {
  dev_t dev;
  int fd;
};

// Data sync of the batch's written files, each before it is renamed into place. Files are
// written kOpenMax at a time; with fdatasync, each group is synced before the next is opened.
void WriteAndSync(Batch* b) {
  const bool syncfs_mode = (b->flags & kSyncFs) != 0;
  std::vector<FsToSync> filesystems;
  std::vector<Job*> group;
  auto finish_group = [&]() {
    for (Job* j : group) {
      if (j->fd < 0 || j->outcome != kDone) continue;
      if (syncfs_mode) {
        struct stat st;
        if (fstat(j->fd, &st) != 0) {
          Fail(*j, kFstat);
          Abandon(*j);
          continue;
        }
        j->dev = st.st_dev;
        auto known = std::find_if(filesystems.begin(), filesystems.end(),
                                  [&](const FsToSync& f) { return f.dev == st.st_dev; });
        if (known == filesystems.end()) {
          filesystems.push_back({st.st_dev, j->fd});  // kept open until its syncfs
          j->fd = -1;
          continue;
        }
      } else if (fdatasync(j->fd) != 0) {
        Fail(*j, kDatasync);
        Abandon(*j);
        continue;
      }
      close(j->fd);
      j->fd = -1;
    }
    group.clear();
  };
  for (Job& j : b->jobs) {
    if (j.kind != kWriteTemp && j.kind != kWriteSpare) continue;
    OpenAndWrite(b, j);
    group.push_back(&j);
    if (group.size() == kOpenMax) finish_group();
  }
  finish_group();
  // One syncfs per file system holding a written file: its dirty data and metadata, ours among
  // them, are on stable storage when it returns (errors reported since Linux 5.8). A failure
  // fails every file written there.
  for (const FsToSync& f : filesystems) {
    int rc = syncfs(f.fd);
    int e = errno;
    close(f.fd);
    if (rc == 0) continue;
    for (Job& j : b->jobs) {
      if ((j.kind != kWriteTemp && j.kind != kWriteSpare) || j.outcome != kDone || j.dev != f.dev) continue;
      errno = e;
      Fail(j, kSyncfs);
      Abandon(j);
    }
  }
}

void Execute(napi_env, void* data) {
  Batch* b = static_cast<Batch*>(data);
  std::vector<bool> touched(b->dir_fds.size(), false);
  WriteAndSync(b);
  for (Job& j : b->jobs) {
    if (j.outcome != kDone) continue;
    switch (j.kind) {
      case kWriteTemp:
      case kWriteSpare:
        if (rename(j.from.c_str(), j.to.c_str()) != 0) {
          Fail(j, kRename);
          Abandon(j);
          continue;
        }
        break;
      case kRecycle:
        if (rename(j.from.c_str(), j.to.c_str()) == 0) {
          // Emptied at once, so that removing hosts frees disk space as unlinking them would.
          (void)truncate(j.to.c_str(), 0);
        } else if (unlink(j.from.c_str()) == 0 || errno == ENOENT) {
          j.outcome = kUnlinked;
        } else {
          Fail(j, kUnlinkCall);
          continue;
        }
        break;
      case kUnlink:
        if (unlink(j.from.c_str()) != 0 && errno != ENOENT) {
          Fail(j, kUnlinkCall);
          continue;
        }
        break;
    }
    touched[static_cast<size_t>(j.dir)] = true;
  }
  b->dir_result.assign(b->dir_fds.size(), -1);
  for (size_t d = 0; d < b->dir_fds.size(); d++) {
    if (!touched[d]) continue;
    b->dir_result[d] = fsync(b->dir_fds[d]) == 0 ? 0 : errno;
  }
}

void Complete(napi_env env, napi_status status, void* data) {
  Batch* b = static_cast<Batch*>(data);
  napi_value result = nullptr;
  if (status == napi_ok) {
    size_t n = b->jobs.size() * kResultInts + b->dir_result.size();
    napi_value ab;
    void* raw = nullptr;
    if (napi_create_arraybuffer(env, n * sizeof(int32_t), &raw, &ab) == napi_ok &&
        napi_create_typedarray(env, napi_int32_array, n, ab, 0, &result) == napi_ok) {
      int32_t* out = static_cast<int32_t*>(raw);
      for (const Job& j : b->jobs) {
        *out++ = j.outcome;
        *out++ = j.err;
        *out++ = j.syscall;
      }
      for (int32_t r : b->dir_result) *out++ = r;
    } else {
      result = nullptr;
    }
  }
  if (result != nullptr) {
    napi_resolve_deferred(env, b->deferred, result);
  } else {
    napi_value msg, err;
    napi_create_string_utf8(env, "native file commit did not run", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, nullptr, msg, &err);
    napi_reject_deferred(env, b->deferred, err);
  }
  napi_delete_async_work(env, b->work);
  delete b;
}

bool Int32s(napi_env env, napi_value v, int32_t** data, size_t* len) {
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  void* raw;
  if (napi_get_typedarray_info(env, v, &type, len, &raw, &ab, &offset) != napi_ok || type != napi_int32_array)
    return false;
  *data = static_cast<int32_t*>(raw);
  return true;
}

napi_value Throw(napi_env env, const char* msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return nullptr;
}

napi_value Commit(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  int32_t flags = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 5 ||
      napi_get_value_int32(env, argv[4], &flags) != napi_ok)
    return Throw(env, "commit(meta, blob, dirFds, owner, flags)");
  int32_t *meta, *dirs, *owner;
  size_t meta_len, dirs_len, owner_len, blob_len;
  void* blob;
  bool is_typed = false;
  napi_is_typedarray(env, argv[1], &is_typed);
  if (!Int32s(env, argv[0], &meta, &meta_len) || meta_len % kMetaInts != 0)
    return Throw(env, "meta: Int32Array of whole jobs");
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (!is_typed || napi_get_typedarray_info(env, argv[1], &type, &blob_len, &blob, &ab, &offset) != napi_ok ||
      type != napi_uint8_array)
    return Throw(env, "blob: Uint8Array");
  if (!Int32s(env, argv[2], &dirs, &dirs_len)) return Throw(env, "dirFds: Int32Array");
  if (!Int32s(env, argv[3], &owner, &owner_len) || owner_len != 3) return Throw(env, "owner: Int32Array [mode, uid, gid]");

  Batch* b = new Batch();
  b->blob.assign(static_cast<const char*>(blob), blob_len);
  b->dir_fds.assign(dirs, dirs + dirs_len);
  b->mode = static_cast<mode_t>(owner[0]);
  b->uid = owner[1];
  b->gid = owner[2];
  b->flags = flags;
  auto cstr = [&](int32_t off, std::string* out) {
    if (off < 0 || static_cast<size_t>(off) >= blob_len) return false;
    const char* s = b->blob.data() + off;
    const void* nul = memchr(s, 0, blob_len - static_cast<size_t>(off));
    if (nul == nullptr) return false;
    out->assign(s, static_cast<const char*>(nul) - s);
    return true;
  };
  size_t njobs = meta_len / kMetaInts;
  b->jobs.resize(njobs);
  for (size_t i = 0; i < njobs; i++) {
    const int32_t* m = meta + i * kMetaInts;
    Job& j = b->jobs[i];
    j.kind = m[0];
    j.dir = m[1];
    bool needs_to = j.kind != kUnlink;
    bool ok = j.kind >= kWriteTemp && j.kind <= kUnlink && j.dir >= 0 && static_cast<size_t>(j.dir) < dirs_len &&
              cstr(m[2], &j.from) && (!needs_to || cstr(m[3], &j.to)) && m[4] >= 0 && m[5] >= 0 &&
              static_cast<size_t>(m[4]) + static_cast<size_t>(m[5]) <= blob_len;
    if (!ok) {
      delete b;
      return Throw(env, "meta: a job's kind, directory or offsets are out of range");
    }
    j.data_off = static_cast<size_t>(m[4]);
    j.data_len = static_cast<size_t>(m[5]);
  }

  napi_value promise, name;
  if (napi_create_promise(env, &b->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "nsmd:fs-commit", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, nullptr, name, Execute, Complete, b, &b->work) != napi_ok ||
      napi_queue_async_work(env, b->work) != napi_ok) {
    // The promise, if made, is never settled: the caller gets the thrown error instead.
    if (b->work != nullptr) napi_delete_async_work(env, b->work);
    delete b;
    napi_throw_error(env, nullptr, "native file commit could not be queued");
    return nullptr;
  }
  return promise;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn, v;
  if (napi_create_function(env, "commit", NAPI_AUTO_LENGTH, Commit, nullptr, &fn) != napi_ok) return nullptr;
  napi_set_named_property(env, exports, "commit", fn);
  napi_create_int32(env, kMetaInts, &v);
  napi_set_named_property(env, exports, "metaInts", v);
  napi_create_int32(env, kResultInts, &v);
  napi_set_named_property(env, exports, "resultInts", v);
  napi_create_int32(env, kSyncFs, &v);
  napi_set_named_property(env, exports, "syncFs", v);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
