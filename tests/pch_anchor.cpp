// The source of careid_test_pch, the target that builds the test programs' shared
// precompiled header (CMakeLists.txt). It defines nothing.
