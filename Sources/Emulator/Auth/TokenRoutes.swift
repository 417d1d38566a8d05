extension EmulatorRoutes {
    static var tokens: [EmulatorRoute] { [] }
}
