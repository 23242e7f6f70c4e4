#include "store/postgres/pg_pool.h"

#include <utility>

namespace inet::store::postgres {

PgPool::PgPool(std::string conninfo, size_t max_size, std::chrono::milliseconds wait)
    : conninfo_(std::move(conninfo)), max_size_(max_size < 1 ? 1 : max_size), wait_(wait) {}

PgPool::Lease::~Lease() {
  if (conn_ != nullptr) {
    pool_->Release(std::move(conn_));
  }
}

StatusOr<PgPool::Lease> PgPool::Acquire() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    bool ready = cv_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < max_size_; });
    if (!ready) {
      return UnavailableError("all " + std::to_string(max_size_) +
                              " PostgreSQL connections stayed busy for " +
                              std::to_string(wait_.count()) + " ms");
    }
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserve a slot, then connect without holding the lock
  }
  StatusOr<std::unique_ptr<PgConnection>> conn = PgConnection::Connect(conninfo_);
  if (!conn.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    cv_.notify_one();
    return conn.status();
  }
  return Lease(this, std::move(conn).value());
}

void PgPool::DropIdle() {
  std::vector<std::unique_ptr<PgConnection>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dropped.swap(idle_);
    open_ -= dropped.size();
    cv_.notify_all();
  }
  // `dropped` closes the connections here, outside the lock.
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  bool reuse = conn->Reusable();
  if (!reuse) {
    conn.reset();  // close outside the lock
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (reuse) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  cv_.notify_one();
}

}  // namespace inet::store::postgres
