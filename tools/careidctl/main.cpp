// careidctl: placeholder until the components land.
int main() { return 0; }
