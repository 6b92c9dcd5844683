{
  "targets": [
    {
      "target_name": "nsmd_udp",
      "conditions": [
        [
          "OS=='linux'",
          {
            "sources": ["udp.cc"],
            "defines": ["NAPI_VERSION=8"],
            "cflags_cc": ["-Wall", "-Wextra"]
          }
        ]
      ]
    }
  ]
}
