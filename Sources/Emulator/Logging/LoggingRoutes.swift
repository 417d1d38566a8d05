extension EmulatorRoutes {
    static var logging: [EmulatorRoute] { [] }
}
