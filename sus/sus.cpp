// Placeholder: SUS is built in a later step.
namespace careid::sus {}
