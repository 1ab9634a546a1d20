// Runs blocking work on the worker pool from a session coroutine.
#pragma once

#include <type_traits>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace careid::directory::server {

// Runs `work` on `pool` and resumes the calling coroutine on its own executor with the
// result. `work` must not throw.
template <class Work>
boost::asio::awaitable<std::invoke_result_t<Work>> run_blocking(boost::asio::thread_pool& pool, Work work) {
  namespace asio = boost::asio;
  using Value = std::invoke_result_t<Work>;
  auto initiate = [&pool](auto handler, Work job) {
    asio::post(pool, [handler = std::move(handler), job = std::move(job)]() mutable {
      Value value = job();
      auto executor = asio::get_associated_executor(handler);
      asio::post(executor, [handler = std::move(handler), value = std::move(value)]() mutable {
        std::move(handler)(std::move(value));
      });
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(Value)>(initiate, asio::use_awaitable,
                                                                                      std::move(work));
}

}  // namespace careid::directory::server
