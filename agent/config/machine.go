package config

// WindowsMachineKey is the registry key, under HKLM, where the MSI writes the
// machine configuration from its properties (SERVER_URL and the others): one
// value per key, REG_SZ for strings and durations, REG_MULTI_SZ for lists,
// REG_DWORD for DevMode. It is not a policy key: its values are not locked.
const WindowsMachineKey = `SOFTWARE\WalkMe\Agent`
