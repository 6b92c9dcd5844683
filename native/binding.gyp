{
  "targets": [
    {
      "target_name": "nsmd_udp",
      "conditions": [
        [
          "OS=='linux'",
          {
            "sources": ["udp/udp.cc"],
            "defines": ["NAPI_VERSION=8"],
            "cflags_cc": ["-Wall", "-Wextra"]
          }
        ]
      ]
    },
    {
      "target_name": "nsmd_fs",
      "conditions": [
        [
          "OS=='linux'",
          {
            "sources": ["fs/fs.cc"],
            "defines": ["NAPI_VERSION=8"],
            "cflags_cc": ["-Wall", "-Wextra"]
          }
        ]
      ]
    }
  ]
}
