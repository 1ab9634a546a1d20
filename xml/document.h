// Document and Element: careid's only door to libxml2 for reading and building XML.
//
// Parsing is hardened for documents that arrive from outside (SAML messages, SP metadata,
// FHIR files): no network access, no entity substitution, no DTD loading, and any DOCTYPE
// is rejected, which also excludes entity expansion attacks ("billion laughs") and XXE.
// Input size and element depth are bounded by ParseLimits.
//
// Ownership: a Document owns its libxml2 tree. An Element is a non-owning handle into
// that tree; it stays valid while the Document lives and the element is not removed.
// Strings returned by value are copies; string_views returned by Element point into
// the tree and have the same lifetime as the Element.
//
// Thread safety: different Documents may be used from different threads at once; one
// Document must not be used by two threads at once. Parsing initialises libxml2 once,
// thread-safely, on first use.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

// libxml2's own types, declared here so that callers do not include libxml2 headers.
struct _xmlDoc;
struct _xmlNode;

namespace careid::xml {

// Common namespace URIs, for readability at call sites.
inline constexpr std::string_view kXmlSchemaInstanceNs = "http://www.w3.org/2001/XMLSchema-instance";
inline constexpr std::string_view kXmlSchemaNs = "http://www.w3.org/2001/XMLSchema";
inline constexpr std::string_view kXmlDsigNs = "http://www.w3.org/2000/09/xmldsig#";

struct ParseLimits {
  // Larger input is rejected with kResourceExhausted before parsing starts.
  std::size_t max_bytes = 1024 * 1024;
  // Root element is depth 1. Deeper nesting stops the parser with kResourceExhausted.
  // libxml2 2.9 has its own hard limit of 256 levels, so values above that have no effect.
  int max_depth = 64;
};

class Document;

// A non-owning handle to one element node. A default-constructed Element is "null":
// every accessor on it returns an empty value and every mutator does nothing.
class Element {
 public:
  Element() = default;

  bool is_null() const { return node_ == nullptr; }
  explicit operator bool() const { return node_ != nullptr; }
  bool operator==(const Element& other) const { return node_ == other.node_; }

  std::string_view local_name() const;
  // Empty for an element in no namespace.
  std::string_view namespace_uri() const;
  bool is(std::string_view ns, std::string_view local_name) const;

  // Returns the value of the attribute `name` that has no namespace (the usual case for
  // SAML and FHIR attributes), or nullopt if absent.
  std::optional<std::string> attribute(std::string_view name) const;
  // Returns the value of the attribute `local_name` in namespace `ns` (e.g. xsi:type).
  std::optional<std::string> attribute(std::string_view ns, std::string_view local_name) const;

  // All child elements, in document order; text, comments and PIs are skipped.
  std::vector<Element> children() const;
  // Child elements with the given namespace URI and local name, in document order.
  std::vector<Element> children(std::string_view ns, std::string_view local_name) const;
  // The first matching child element, or a null Element.
  Element first_child(std::string_view ns, std::string_view local_name) const;
  Element parent() const;
  Element next_sibling() const;

  // Concatenated content of all text and CDATA nodes below this element, in document order.
  std::string text() const;

  // --- Building. Values are stored as given and escaped by the serialiser. ---

  // Appends a child element in namespace `ns`. `prefix` is used if that namespace is not
  // declared yet in scope, in which case a declaration is added on the new element.
  Element append_child(std::string_view ns, std::string_view prefix, std::string_view local_name);
  // Appends a child element and sets its text content.
  Element append_text_child(std::string_view ns, std::string_view prefix,
                            std::string_view local_name, std::string_view text);
  // Sets (or replaces) an attribute without namespace.
  void set_attribute(std::string_view name, std::string_view value);
  // Sets a namespaced attribute (e.g. xsi:type), declaring `prefix` on this element if needed.
  void set_attribute(std::string_view ns, std::string_view prefix, std::string_view local_name,
                     std::string_view value);
  // Adds xmlns:prefix="ns" on this element unless `prefix` is already bound to `ns` in scope.
  void declare_namespace(std::string_view ns, std::string_view prefix);
  // Appends a deep copy of `source`, which may belong to another Document, as the last
  // child. The copy keeps the namespace declarations of `source` and its descendants, and
  // declares on itself each namespace of an element or attribute name that `source` inherits
  // from its ancestors, so an exclusive c14n signature inside it still verifies. Copy a
  // document's root to be sure of that. Null when either element is null.
  Element append_copy(Element source);
  // Replaces this element in its parent by a new element in namespace `ns` (declared with
  // `prefix` if needed) that contains it, and returns the new element. Null for a null or
  // root element.
  Element wrap(std::string_view ns, std::string_view prefix, std::string_view local_name);
  // Replaces all children with one text node.
  void set_text(std::string_view text);

  // For xml/ internals (signature code); not for use outside xml/.
  _xmlNode* native() const { return node_; }
  explicit Element(_xmlNode* node) : node_(node) {}

 private:
  _xmlNode* node_ = nullptr;
};

class Document {
 public:
  // Parses `text` with the hardened options above. Errors:
  //   kResourceExhausted  input larger than limits.max_bytes or nesting deeper than max_depth
  //   kInvalidArgument    not well-formed XML, a DOCTYPE, or no root element
  // The message names the line and what libxml2 reported.
  static Result<Document> parse(std::string_view text, const ParseLimits& limits = {});
  // Reads and parses a file; kIoError if it cannot be read. Messages name the file.
  static Result<Document> parse_file(const std::filesystem::path& path,
                                     const ParseLimits& limits = {});
  // Creates a document whose root element is `local_name` in namespace `ns`, declared with
  // `prefix`.
  static Document create(std::string_view ns, std::string_view prefix, std::string_view local_name);

  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  Element root() const;

  // Serialises without an XML declaration, without reformatting (so that signatures stay
  // valid), as UTF-8.
  std::string to_string() const;

  // For xml/ internals (signature code); not for use outside xml/.
  _xmlDoc* native() const { return doc_.get(); }

 private:
  struct Deleter {
    void operator()(_xmlDoc* doc) const;
  };
  explicit Document(_xmlDoc* doc);

  std::unique_ptr<_xmlDoc, Deleter> doc_;
};

// Initialises libxml2 once; called by parse and create. Safe from any thread.
void ensure_libxml2_initialised();

}  // namespace careid::xml
