"""Read careidd's published schema so that error cases pick attributes that really exist.

The directory schema is still being written, so the scripts do not hard-code attribute
names that may change. They read the schema from the server (RFC 4512 5.1: the rootDSE's
`subschemaSubentry`, then that entry's `attributeTypes` and `objectClasses`) and pick an
attribute that is SINGLE-VALUE or has Integer / Numeric String syntax.
"""

import ldap3

kIntegerSyntax = "1.3.6.1.4.1.1466.115.121.1.27"
kNumericStringSyntax = "1.3.6.1.4.1.1466.115.121.1.36"

# Directory String, IA5 String, Printable String, Numeric String and Integer (RFC 4517 3.3).
kDigitFriendlySyntaxes = {"1.3.6.1.4.1.1466.115.121.1.15", "1.3.6.1.4.1.1466.115.121.1.26",
                          "1.3.6.1.4.1.1466.115.121.1.44", kNumericStringSyntax, kIntegerSyntax}

# Attributes that a client cannot set (RFC 4512 3.4 operational attributes) or that name
# the entry, so a probe value in them tests something other than what the case intends.
kSkippedAttributes = {"objectclass", "uid", "cn", "createtimestamp", "modifytimestamp",
                      "creatorsname", "modifiersname", "entryuuid", "entrydn",
                      "subschemasubentry", "hassubordinates", "structuralobjectclass"}


class DirectorySchema:
    """The object classes and attribute types that careidd publishes."""

    def __init__(self, ldap_url):
        server = ldap3.Server(ldap_url, get_info=ldap3.SCHEMA, connect_timeout=10)
        connection = ldap3.Connection(server, auto_bind=True, receive_timeout=30)
        self.schema = server.schema
        connection.unbind()

    def available(self):
        return self.schema is not None and bool(self.schema.object_classes)

    def allowed_attributes(self, object_class):
        """Return (MUST, MAY) lower-case names of `object_class` and its superclasses."""
        must, may = set(), set()
        pending = [object_class]
        seen = set()
        while pending:
            name = pending.pop()
            if name.lower() in seen:
                continue
            seen.add(name.lower())

            info = self.schema.object_classes.get(name)
            if info is None:
                continue
            must.update(a.lower() for a in (info.must_contain or []))
            may.update(a.lower() for a in (info.may_contain or []))
            pending.extend(info.superior or [])
        return must, may

    def attribute(self, name):
        return self.schema.attribute_types.get(name)

    def pick_attribute(self, object_classes, predicate):
        """Return an attribute name allowed by `object_classes` that satisfies `predicate`.

        `predicate` receives ldap3's AttributeTypeInfo. Returns None when none fits.
        """
        candidates = set()
        for object_class in object_classes:
            must, may = self.allowed_attributes(object_class)
            candidates |= must | may

        for name in sorted(candidates - kSkippedAttributes):
            info = self.attribute(name)
            if info is not None and not info.no_user_modification and predicate(info):
                return info.name[0]
        return None

    def single_value_attribute(self, object_classes):
        """Return a SINGLE-VALUE attribute whose syntax accepts "1" and "2", or None.

        Limiting the syntax keeps a server from returning invalidAttributeSyntax first.
        """
        return self.pick_attribute(object_classes, lambda info: bool(info.single_value)
                                   and info.syntax in kDigitFriendlySyntaxes)

    def numeric_attribute(self, object_classes):
        """Return an attribute with Integer or Numeric String syntax, or None."""
        syntaxes = {kIntegerSyntax, kNumericStringSyntax}
        return self.pick_attribute(object_classes, lambda info: info.syntax in syntaxes)

    def missing_must(self, object_class, present):
        """Return a MUST attribute of `object_class` not in `present` (lower-case), or None."""
        must, _ = self.allowed_attributes(object_class)
        for name in sorted(must - {"objectclass"} - set(present)):
            return name
        return None
