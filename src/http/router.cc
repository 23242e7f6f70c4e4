// Router: a trie over path segments, so a lookup costs one map probe per segment no matter how
// many routes are registered. Parameter names live on the Route, not in the trie, so routes that
// name the same position differently (`{run_id}` vs `{id}`) share a node.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <span>

#include "http/http.h"

namespace inet::http {
namespace {

bool IsGreedy(std::string_view seg) {
  return seg.size() > 5 && seg.front() == '{' && seg.ends_with("...}");
}
bool IsParam(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}' && !IsGreedy(seg);
}
std::string ParamName(std::string_view seg) {
  return std::string(seg.substr(1, seg.size() - (IsGreedy(seg) ? 5 : 2)));
}

// "/a/b/" -> {"a", "b", ""}; "/" -> {""}. Views point into `path`.
void SplitPath(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (;;) {
    size_t slash = path.find('/');
    if (slash == std::string_view::npos) {
      out.push_back(path);
      return;
    }
    out.push_back(path.substr(0, slash));
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;       // any `{name}` at this position
  std::vector<const Route*> ends;    // routes whose pattern ends at this node
  std::vector<const Route*> greedy;  // routes whose final `{name...}` starts here
};

namespace {

using Segments = std::span<const std::string_view>;

template <typename NodeT, typename RouteT>
const RouteT* Pick(const std::vector<const RouteT*>& routes, Method method, bool& exists) {
  for (const RouteT* r : routes) {
    if (r->method == method) return r;
  }
  if (!routes.empty()) exists = true;
  return nullptr;
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::Add(Method method, std::string_view pattern, Handler handler, RouteOptions options) {
  auto route = std::make_unique<Route>();
  route->method = method;
  route->handler = std::move(handler);
  route->options = options;
  std::vector<std::string_view> parts;
  SplitPath(pattern, parts);
  Node* node = root_.get();
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view seg = parts[i];
    route->segments.emplace_back(seg);
    if (IsGreedy(seg)) {
      if (i + 1 != parts.size()) {
        // A programming error in start-up route tables; nothing sensible can be served.
        std::fprintf(stderr, "http::Router: {name...} must be the last segment in %.*s\n",
                     static_cast<int>(pattern.size()), pattern.data());
        std::abort();
      }
      for (const Route* r : node->greedy) {
        if (r->method == method) return;  // first registration wins
      }
      node->greedy.push_back(route.get());
      routes_.push_back(std::move(route));
      return;
    }
    std::unique_ptr<Node>* next;
    if (IsParam(seg)) {
      next = &node->param;
    } else {
      auto it = node->literals.find(seg);
      if (it == node->literals.end()) it = node->literals.emplace(std::string(seg), nullptr).first;
      next = &it->second;
    }
    if (!*next) *next = std::make_unique<Node>();
    node = next->get();
  }
  for (const Route* r : node->ends) {
    if (r->method == method) return;  // first registration wins
  }
  node->ends.push_back(route.get());
  routes_.push_back(std::move(route));
}

namespace {

// Depth-first: literal child, then `{name}` child, then greedy routes at this node.
template <typename NodeT, typename RouteT>
const RouteT* Walk(const NodeT& node, Segments segs, size_t i, Method method, bool& exists) {
  if (i == segs.size()) return Pick<NodeT, RouteT>(node.ends, method, exists);
  if (auto it = node.literals.find(segs[i]); it != node.literals.end()) {
    if (const RouteT* r = Walk<NodeT, RouteT>(*it->second, segs, i + 1, method, exists)) return r;
  }
  if (node.param && !segs[i].empty()) {
    if (const RouteT* r = Walk<NodeT, RouteT>(*node.param, segs, i + 1, method, exists)) return r;
  }
  return Pick<NodeT, RouteT>(node.greedy, method, exists);
}

}  // namespace

std::optional<Router::Match> Router::Find(Method method, std::string_view path,
                                          bool* path_exists) const {
  std::vector<std::string_view> segs;
  segs.reserve(16);
  SplitPath(path, segs);
  bool exists = false;
  const Route* route = Walk<Node, Route>(*root_, segs, 0, method, exists);
  if (route == nullptr && method == Method::kHead) {
    route = Walk<Node, Route>(*root_, segs, 0, Method::kGet, exists);
  }
  if (route == nullptr) {
    if (path_exists != nullptr) *path_exists = exists;
    return std::nullopt;
  }
  if (path_exists != nullptr) *path_exists = true;
  Match match;
  match.route = route;
  for (size_t j = 0; j < route->segments.size(); ++j) {
    const std::string& seg = route->segments[j];
    if (IsGreedy(seg)) {
      std::string_view rest(segs[j].data(), path.data() + path.size() - segs[j].data());
      match.params.emplace(ParamName(seg), std::string(rest));
    } else if (IsParam(seg)) {
      match.params.emplace(ParamName(seg), std::string(segs[j]));
    }
  }
  return match;
}

std::vector<const Router::Route*> Router::Routes() const {
  std::vector<const Route*> out;
  out.reserve(routes_.size());
  for (const std::unique_ptr<Route>& route : routes_) out.push_back(route.get());
  return out;
}

std::vector<Method> Router::AllowedMethods(std::string_view path) const {
  std::vector<std::string_view> segs;
  SplitPath(path, segs);
  std::vector<Method> out;
  for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch,
                   Method::kDelete, Method::kOptions}) {
    bool exists = false;
    const Route* r = Walk<Node, Route>(*root_, segs, 0, m, exists);
    if (r == nullptr && m == Method::kHead)
      r = Walk<Node, Route>(*root_, segs, 0, Method::kGet, exists);
    if (r != nullptr) out.push_back(m);
  }
  return out;
}

}  // namespace inet::http
