// Worker: runs slow tasks (staging a snapshot and launching, uploading outputs) off the
// controller thread and hands their results back. Tasks are posted with Post; results are
// collected with TakeResults by the controller, which `on_done` wakes. With zero threads a
// task runs inline in Post (tests drive the controller one pass at a time that way).
//
// Stop drops the tasks not yet started: both users record a task durably before posting it
// (launching attempt N, finalizing attempt N), so a restart finds and redoes it. A task in
// progress is finished first. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace inet::jobs::internal {

template <typename Task, typename Result>
class Worker {
 public:
  using Run = std::function<Result(const Task&)>;

  explicit Worker(Run run) : run_(std::move(run)) {}
  ~Worker() { Stop(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts `threads` threads (0: tasks run inline in Post). `on_done` is called (from a worker
  // thread, without locks held) after each result is ready. Call once, or again after Stop.
  void Start(int threads, std::function<void()> on_done) {
    std::lock_guard lock(mu_);
    on_done_ = std::move(on_done);
    stop_ = false;
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
  }

  // Joins the threads; tasks not yet started are dropped.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      queue_.clear();
    }
    cv_.notify_all();
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

  void Post(Task task) {
    bool inline_run = false;
    {
      std::lock_guard lock(mu_);
      inline_run = threads_.empty();
    }
    if (inline_run) {
      Result result = run_(task);
      std::lock_guard lock(mu_);
      results_.push_back(std::move(result));
      return;
    }
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

  std::vector<Result> TakeResults() {
    std::vector<Result> out;
    std::lock_guard lock(mu_);
    out.swap(results_);
    return out;
  }

 private:
  void Loop() {
    while (true) {
      Task task;
      std::function<void()> on_done;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      Result result = run_(task);
      {
        std::lock_guard lock(mu_);
        results_.push_back(std::move(result));
        on_done = on_done_;
      }
      if (on_done) on_done();
    }
  }

  const Run run_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                 // GUARDED_BY(mu_)
  std::deque<Task> queue_;            // GUARDED_BY(mu_)
  std::vector<Result> results_;       // GUARDED_BY(mu_)
  std::function<void()> on_done_;     // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;  // started by Start, joined by Stop
};

}  // namespace inet::jobs::internal
