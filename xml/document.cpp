#include "xml/document.h"

#include <climits>
#include <fstream>
#include <mutex>
#include <sstream>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "xml/text.h"

namespace careid::xml {
namespace {

const xmlChar* to_xml(const std::string& s) { return reinterpret_cast<const xmlChar*>(s.c_str()); }

std::string_view to_view(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

// Takes ownership of a libxml2-allocated string and returns a copy of it.
std::optional<std::string> take_string(xmlChar* s) {
  if (s == nullptr) {
    return std::nullopt;
  }
  std::string copy(reinterpret_cast<const char*>(s));
  xmlFree(s);
  return copy;
}

// State shared with the SAX hooks below through ctxt->_private.
struct ParseGuard {
  int max_depth = 0;
  bool doctype_seen = false;
  bool too_deep = false;
  startElementNsSAX2Func build_element = nullptr;
};

// Any DOCTYPE is rejected as soon as it starts, before its internal subset (entity
// declarations) is read: SAML Core 1.3 forbids DTDs in protocol messages, and no careid
// input needs one.
void reject_doctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  static_cast<ParseGuard*>(ctxt->_private)->doctype_seen = true;
  xmlStopParser(ctxt);
}

// Builds the element as libxml2 would, then stops the parser when nesting exceeds the limit,
// so that a deeply nested document never grows the tree further.
void start_element_with_depth_limit(void* ctx, const xmlChar* local_name, const xmlChar* prefix,
                                    const xmlChar* uri, int nb_namespaces,
                                    const xmlChar** namespaces, int nb_attributes,
                                    int nb_defaulted, const xmlChar** attributes) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  auto* guard = static_cast<ParseGuard*>(ctxt->_private);
  guard->build_element(ctx, local_name, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                       nb_defaulted, attributes);
  if (ctxt->nodeNr > guard->max_depth) {
    guard->too_deep = true;
    xmlStopParser(ctxt);
  }
}

struct ContextDeleter {
  void operator()(xmlParserCtxt* ctxt) const { xmlFreeParserCtxt(ctxt); }
};

Status parse_error(xmlParserCtxtPtr ctxt) {
  const xmlError* error = xmlCtxtGetLastError(ctxt);
  if (error == nullptr || error->message == nullptr) {
    return Status::invalid_argument("invalid XML: not well-formed");
  }
  std::string message = error->message;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return Status::invalid_argument("invalid XML at line " + std::to_string(error->line) + ": " +
                                  message);
}

void free_doc(xmlDocPtr doc) {
  if (doc != nullptr) {
    xmlFreeDoc(doc);
  }
}

// No network, no entity substitution, no DTD loading or defaulting, no XInclude; errors
// are collected in the context instead of printed. XML_PARSE_NOCDATA merges CDATA sections
// into text nodes, which text() would concatenate anyway.
constexpr int kParseOptions =
    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

}  // namespace

void ensure_libxml2_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

// --- Document ---

void Document::Deleter::operator()(_xmlDoc* doc) const { free_doc(doc); }

Document::Document(_xmlDoc* doc) : doc_(doc) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

Result<Document> Document::parse(std::string_view text, const ParseLimits& limits) {
  ensure_libxml2_initialised();
  if (text.size() > limits.max_bytes || text.size() > static_cast<std::size_t>(INT_MAX)) {
    return Status::resource_exhausted("XML document of " + std::to_string(text.size()) +
                                      " bytes exceeds the limit of " +
                                      std::to_string(limits.max_bytes) + " bytes");
  }

  std::unique_ptr<xmlParserCtxt, ContextDeleter> ctxt(xmlNewParserCtxt());
  if (ctxt == nullptr || ctxt->sax == nullptr) {
    return Status::internal("libxml2 could not allocate a parser context");
  }
  ParseGuard guard;
  guard.max_depth = limits.max_depth;
  guard.build_element = ctxt->sax->startElementNs;
  ctxt->_private = &guard;
  ctxt->sax->internalSubset = reject_doctype;
  ctxt->sax->startElementNs = start_element_with_depth_limit;

  xmlDocPtr doc = xmlCtxtReadMemory(ctxt.get(), text.data(), static_cast<int>(text.size()),
                                    nullptr, nullptr, kParseOptions);
  if (guard.doctype_seen) {
    free_doc(doc);
    return Status::invalid_argument("invalid XML: a DOCTYPE is not allowed");
  }
  if (guard.too_deep) {
    free_doc(doc);
    return Status::resource_exhausted("XML element nesting exceeds the limit of " +
                                      std::to_string(limits.max_depth) + " levels");
  }
  // nsWellFormed catches undeclared prefixes, which libxml2 treats as recoverable.
  if (doc == nullptr || !ctxt->wellFormed || !ctxt->nsWellFormed) {
    free_doc(doc);
    return parse_error(ctxt.get());
  }

  Document result(doc);
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return Status::invalid_argument("invalid XML: a DOCTYPE is not allowed");
  }
  if (result.root().is_null()) {
    return Status::invalid_argument("invalid XML: no root element");
  }
  return result;
}

Result<Document> Document::parse_file(const std::filesystem::path& path,
                                      const ParseLimits& limits) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return Status::io_error("cannot read " + path.string() + ": " + ec.message());
  }
  if (size > limits.max_bytes) {
    return Status::resource_exhausted(path.string() + ": file of " + std::to_string(size) +
                                      " bytes exceeds the XML limit of " +
                                      std::to_string(limits.max_bytes) + " bytes");
  }

  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) {
    return Status::io_error("cannot read " + path.string());
  }

  auto doc = parse(content.str(), limits);
  if (!doc.ok()) {
    return doc.status().with_context(path.string());
  }
  return doc;
}

Document Document::create(std::string_view ns, std::string_view prefix,
                          std::string_view local_name) {
  ensure_libxml2_initialised();
  xmlDocPtr doc = xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0"));
  xmlNodePtr root = xmlNewDocNode(doc, nullptr, to_xml(std::string(local_name)), nullptr);
  xmlDocSetRootElement(doc, root);
  if (!ns.empty()) {
    xmlNsPtr declared = xmlNewNs(root, to_xml(std::string(ns)),
                                 prefix.empty() ? nullptr : to_xml(std::string(prefix)));
    xmlSetNs(root, declared);
  }
  return Document(doc);
}

Element Document::root() const {
  return Element(doc_ == nullptr ? nullptr : xmlDocGetRootElement(doc_.get()));
}

std::string Document::to_string() const {
  std::string out;
  if (doc_ == nullptr) {
    return out;
  }
  xmlBufferPtr buffer = xmlBufferCreate();
  xmlSaveCtxtPtr save = xmlSaveToBuffer(buffer, "UTF-8", XML_SAVE_NO_DECL);
  if (save != nullptr) {
    xmlSaveDoc(save, doc_.get());
    xmlSaveClose(save);
    out.assign(reinterpret_cast<const char*>(xmlBufferContent(buffer)),
               static_cast<std::size_t>(xmlBufferLength(buffer)));
  }
  xmlBufferFree(buffer);

  // xmlSaveDoc ends the document with a newline that is not part of the content.
  if (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

// --- Element: reading ---

std::string_view Element::local_name() const {
  return node_ == nullptr ? std::string_view() : to_view(node_->name);
}

std::string_view Element::namespace_uri() const {
  if (node_ == nullptr || node_->ns == nullptr) {
    return {};
  }
  return to_view(node_->ns->href);
}

bool Element::is(std::string_view ns, std::string_view local_name) const {
  return node_ != nullptr && namespace_uri() == ns && this->local_name() == local_name;
}

std::optional<std::string> Element::attribute(std::string_view name) const {
  if (node_ == nullptr) {
    return std::nullopt;
  }
  return take_string(xmlGetNoNsProp(node_, to_xml(std::string(name))));
}

std::optional<std::string> Element::attribute(std::string_view ns,
                                              std::string_view local_name) const {
  if (node_ == nullptr) {
    return std::nullopt;
  }
  return take_string(
      xmlGetNsProp(node_, to_xml(std::string(local_name)), to_xml(std::string(ns))));
}

std::vector<Element> Element::children() const {
  std::vector<Element> out;
  for (xmlNodePtr child = node_ == nullptr ? nullptr : node_->children; child != nullptr;
       child = child->next) {
    if (child->type == XML_ELEMENT_NODE) {
      out.emplace_back(child);
    }
  }
  return out;
}

std::vector<Element> Element::children(std::string_view ns, std::string_view local_name) const {
  std::vector<Element> out;
  for (const Element& child : children()) {
    if (child.is(ns, local_name)) {
      out.push_back(child);
    }
  }
  return out;
}

Element Element::first_child(std::string_view ns, std::string_view local_name) const {
  for (const Element& child : children()) {
    if (child.is(ns, local_name)) {
      return child;
    }
  }
  return Element();
}

Element Element::parent() const {
  if (node_ == nullptr || node_->parent == nullptr || node_->parent->type != XML_ELEMENT_NODE) {
    return Element();
  }
  return Element(node_->parent);
}

Element Element::next_sibling() const {
  for (xmlNodePtr n = node_ == nullptr ? nullptr : node_->next; n != nullptr; n = n->next) {
    if (n->type == XML_ELEMENT_NODE) {
      return Element(n);
    }
  }
  return Element();
}

std::string Element::text() const {
  if (node_ == nullptr) {
    return {};
  }
  return take_string(xmlNodeGetContent(node_)).value_or(std::string());
}

// --- Element: building ---

namespace {

// Returns a namespace declaration for `ns` usable on `node`, adding one with `prefix` on
// `node` when none is in scope. Attributes need a prefixed declaration (XML Namespaces 6.2:
// the default namespace does not apply to attributes).
xmlNsPtr find_or_declare(xmlNodePtr node, std::string_view ns, std::string_view prefix,
                         bool need_prefix) {
  std::string href(ns);
  xmlNsPtr found = xmlSearchNsByHref(node->doc, node, to_xml(href));
  if (found != nullptr && (!need_prefix || found->prefix != nullptr)) {
    return found;
  }
  std::string prefix_copy(prefix);
  return xmlNewNs(node, to_xml(href), prefix_copy.empty() ? nullptr : to_xml(prefix_copy));
}

}  // namespace

Element Element::append_child(std::string_view ns, std::string_view prefix,
                              std::string_view local_name) {
  if (node_ == nullptr) {
    return Element();
  }
  xmlNodePtr child = xmlNewDocNode(node_->doc, nullptr, to_xml(std::string(local_name)), nullptr);
  xmlAddChild(node_, child);
  if (!ns.empty()) {
    xmlSetNs(child, find_or_declare(child, ns, prefix, false));
  }
  return Element(child);
}

Element Element::append_copy(Element source) {
  if (node_ == nullptr || source.node_ == nullptr) {
    return Element();
  }
  // Recursive copy (extended = 1). libxml2 declares namespaces inherited from outside
  // `source` on the copy itself, because the copy has no parent yet.
  xmlNodePtr copy = xmlDocCopyNode(source.node_, node_->doc, 1);
  if (copy == nullptr) {
    return Element();
  }
  xmlAddChild(node_, copy);
  return Element(copy);
}

Element Element::wrap(std::string_view ns, std::string_view prefix, std::string_view local_name) {
  if (node_ == nullptr || node_->parent == nullptr || node_->parent->type != XML_ELEMENT_NODE) {
    return Element();
  }
  xmlNodePtr wrapper = xmlNewDocNode(node_->doc, nullptr, to_xml(std::string(local_name)), nullptr);
  xmlReplaceNode(node_, wrapper);
  xmlAddChild(wrapper, node_);
  if (!ns.empty()) {
    xmlSetNs(wrapper, find_or_declare(wrapper, ns, prefix, false));
  }
  return Element(wrapper);
}

Element Element::append_text_child(std::string_view ns, std::string_view prefix,
                                   std::string_view local_name, std::string_view text) {
  Element child = append_child(ns, prefix, local_name);
  child.set_text(text);
  return child;
}

void Element::set_attribute(std::string_view name, std::string_view value) {
  if (node_ == nullptr) {
    return;
  }
  // xmlSetProp stores the value as literal text; the serialiser escapes it.
  xmlSetProp(node_, to_xml(std::string(name)), to_xml(to_xml_text(value)));
}

void Element::set_attribute(std::string_view ns, std::string_view prefix,
                            std::string_view local_name, std::string_view value) {
  if (node_ == nullptr) {
    return;
  }
  xmlNsPtr declared = find_or_declare(node_, ns, prefix, true);
  xmlSetNsProp(node_, declared, to_xml(std::string(local_name)), to_xml(to_xml_text(value)));
}

void Element::declare_namespace(std::string_view ns, std::string_view prefix) {
  if (node_ == nullptr) {
    return;
  }
  std::string prefix_copy(prefix);
  xmlNsPtr found = xmlSearchNs(node_->doc, node_,
                               prefix_copy.empty() ? nullptr : to_xml(prefix_copy));
  if (found != nullptr && to_view(found->href) == ns) {
    return;
  }
  xmlNewNs(node_, to_xml(std::string(ns)), prefix_copy.empty() ? nullptr : to_xml(prefix_copy));
}

void Element::set_text(std::string_view text) {
  if (node_ == nullptr) {
    return;
  }
  // xmlNodeSetContent would parse '&' as an entity reference, so the children are replaced
  // with one literal text node instead.
  while (node_->children != nullptr) {
    xmlNodePtr child = node_->children;
    xmlUnlinkNode(child);
    xmlFreeNode(child);
  }
  std::string value = to_xml_text(text);
  xmlAddChild(node_, xmlNewDocTextLen(node_->doc, to_xml(value), static_cast<int>(value.size())));
}

}  // namespace careid::xml
