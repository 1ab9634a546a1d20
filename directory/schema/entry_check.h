// Schema checks on whole entries: the rules an add must satisfy, and which the entry that a
// modify or modify-DN produces must satisfy again (RFC 4511 4.6, 4.7, 4.9; RFC 4512 2.4-2.5).
//
// Errors are LdapErrors with the result code RFC 4511 assigns and a diagnostic that names
// the attribute, the value where there is one, and what to change, e.g.
//   objectClassViolation: "object class 'nhsPerson' requires attribute 'nhsPersonStatus':
//   add a value for it".
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "directory/entry.h"
#include "directory/result_code.h"
#include "directory/schema/schema.h"

namespace careid::directory::schema {

// Rewrites an attribute description to the schema's spelling: the type's first NAME, then
// the options as given, so "commonName;lang-en" and "2.5.4.3;lang-en" become "cn;lang-en".
// undefinedAttributeType for an unknown type; invalidAttributeSyntax for an empty or
// malformed option (RFC 4512 2.5: option = 1*keychar).
Result<std::string, LdapError> canonical_description(const Schema& schema,
                                                     std::string_view description);

// Returns `entry` with every description canonical and attributes that name the same
// description merged (the values of "cn" and "commonName" end up in one "cn"). Fails as
// canonical_description does. Values are not checked or de-duplicated here.
Result<Entry, LdapError> canonicalise_entry(const Schema& schema, Entry entry);

// Checks `entry` against the schema and returns its structural object class. Checks, in
// order, with the code each failure returns:
//   entry.dn is a valid DN and not the root                    invalidDnSyntax
//   every attribute type is defined                            undefinedAttributeType
//   every attribute has at least one value                     constraintViolation
//   every value is valid for its type's syntax                 invalidAttributeSyntax
//   a SINGLE-VALUE attribute has one value                     constraintViolation
//   no two values of an attribute are equal by its equality    attributeOrValueExists
//   objectClass is present and names only known classes        objectClassViolation
//   exactly one chain of structural classes                    objectClassViolation
//   every MUST of every class (and superclass) is present      objectClassViolation
//   with a DIT content rule for the structural class (RFC 4512
//     4.1.6): every auxiliary class is in its AUX, its MUST
//     attributes are present, no attribute is in its NOT       objectClassViolation
//   every user attribute is allowed by some class's MUST or
//     MAY, or the content rule's MUST or MAY, unless
//     extensibleObject is present                              objectClassViolation
//   each AVA of the RDN is a value of the entry                namingViolation
// A class that allows an attribute type also allows its subtypes ("name" allows "cn").
// Operational attributes (RFC 4512 3.4) need no class. Attribute descriptions may be in
// any spelling, but each Attribute is checked on its own: run canonicalise_entry first so
// that "cn" and "commonName" are counted as one attribute. The check does not look at
// NO-USER-MODIFICATION: whether the client may set an attribute is the caller's rule.
// The returned pointer is valid while `schema` lives.
Result<const ObjectClass*, LdapError> check_entry(const Schema& schema, const Entry& entry);

}  // namespace careid::directory::schema
